/** The library's operations for build tools (docs/library.md): checked options, typed errors. The CLI and the server call these. */
export {
  addImageLayer, checkoutImage, cherryPick, createImage, deleteImage, diffImage, exportImage, imageLog, installPackages, listImages, removePackages, renameImage,
  rollbackImage, showImage, upgradeImageLayer, upgradePackages,
} from './images.js';
export { bootImage } from './boot.js';
export { createLayer, deleteLayer, importInstalledRoot, importLayer, listLayers, showLayer, upgradeLayer } from './layers.js';
export { auditImages, linkedImages, linkImage, listGroups, setGroup, setLinkPolicy, syncImage, unlinkImage } from './links.js';
export {
  addToChannel, channelLog, createChannel, deleteChannel, diffChannel, listChannels, listPins, pinPackage, publishToChannel, removeFromChannel, removePackage,
  renameChannel, restoreChannel, setChannelSignatureRule, showChannel, unpinPackage,
} from './channels.js';
export { importKeys, listKeys, removeKey, verifyPackages } from './signatures.js';
export type { KeyInfo, PackageVerdict } from './signatures.js';
export { exportSigningKey, generateSigningKey } from './signing-keys.js';
export type { SigningKeySummary } from './signing-keys.js';
export { addMirror, fetchKnownPackage, fetchOnFirstUse, listMirrors, removeMirror, syncMirror } from './mirrors.js';
export type { MirrorInfo } from './mirrors.js';

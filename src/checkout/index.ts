/** The checkout folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { checkout } from './checkout.js';
export type { CheckoutMode, CheckoutOptions, CheckoutProgress, CheckoutResult } from './checkout.js';
export { exportImage } from './export-image.js';
export { layerSquashfs } from './export-squashfs.js';
export type { ExportFormat, ExportImageOptions, ExportResult } from './export-image.js';

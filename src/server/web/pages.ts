/**
 * Server-rendered pages to browse the store: channels, packages with all their coexisting
 * versions, one package's dependencies and files, images with their layers, history,
 * linked children and audit state. hono's `html` template escapes every value; no
 * script, no external asset. The data are the JSON API's (the same library calls).
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { imageLog, listImages, showImage } from '../../api/index.js';
import { audit, childrenOf, isBroken } from '../../linked/index.js';
import { formatDependency } from '../../rpm/index.js';
import { channelBuilds, channelLog, listChannels, packageDetails, packageVersions, readChannel } from '../../store/index.js';
import type { PackageManifest, Store } from '../../store/index.js';
import type { Reads } from '../snapshots.js';
import { errorResponse, statusOf } from '../http-error.js';
import { BazaarError, isDamageError } from '../../errors.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#24303d;color:#fff;padding:.7em 1.5em}header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:1em 1.5em;max-width:1100px}h1{font-size:1.45em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;background:#fff;width:100%}td,th{border-bottom:1px solid #e2e5e9;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#eef0f3}code,.mono{font-family:ui-monospace,monospace;font-size:.92em}a{color:#1f5fa8}
.tag{display:inline-block;background:#e4ecf7;border-radius:3px;padding:0 .4em;margin-right:.3em;font-size:.85em}
.ok{color:#23743a}.bad{color:#b3261e}`;

function page(title: string, body: Html): Html {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · bazaar</title>
<meta name="viewport" content="width=device-width"><style>${STYLE}</style></head>
<body><header><a href="/ui/">bazaar</a></header><main><h1>${title}</h1>${body}</main></body></html>`;
}

const enc = encodeURIComponent;

function depsTable(m: PackageManifest): Html {
  const kinds = ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const;
  const rows = kinds.flatMap((k) => ((m[k] as PackageManifest['requires'] | undefined) ?? []).map((d) => html`<tr><td>${k}</td><td class="mono">${formatDependency(d)}</td></tr>`));
  return rows.length ? html`<table><tr><th>kind</th><th>dependency</th></tr>${rows}</table>` : html`<p>none</p>`;
}

export function webRoutes(store: Store, reads: Reads, log: (line: string) => void = () => {}): Hono {
  const app = new Hono();

  app.get('/', async (c) => {
    const { channels, images } = await reads.read(async (view) => ({ channels: await listChannels(store, view), images: await listImages(store, view) }));
    return c.html(page('Store', html`
<h2>Channels</h2>
<table><tr><th>channel</th><th>order</th><th>packages</th><th>updated</th><th>rpm-md</th></tr>
${channels.map((ch) => html`<tr><td><a href="/ui/channels/${enc(ch.name)}">${ch.name}</a></td><td>${ch.settings.order}</td><td>${ch.builds}</td><td>${ch.updated}</td><td><a href="/repo/${enc(ch.name)}/repodata/repomd.xml">repomd.xml</a></td></tr>`)}
</table>
<h2>Images</h2>
<table><tr><th>image</th><th>version</th><th>layers</th><th>parent</th></tr>
${images.map((i) => html`<tr><td><a href="/ui/images/${enc(i.name)}">${i.name}</a>${'damaged' in i ? html` <span class="bad">damaged: ${i.damaged}</span>` : ''}</td><td>${i.version ?? '?'}</td><td>${i.layers.filter((l) => !l.private).map((l) => html`<span class="tag">${l.name}@${l.version}</span>`)}</td><td>${i.parent ?? '—'}</td></tr>`)}
</table>`));
  });

  app.get('/channels/:name', async (c) => {
    const name = c.req.param('name');
    const { builds, log } = await reads.read(async (view) => {
      const state = await readChannel(store, view, name);
      return { builds: await channelBuilds(store, state), log: (await channelLog(store, view, name)).slice(0, 10) };
    });
    return c.html(page(`Channel ${name}`, html`
<p>${builds.length} packages · as an rpm-md repository: <code>/repo/${name}/</code></p>
<table><tr><th>package</th><th>build</th></tr>
${builds.map((b) => html`<tr><td><a href="/ui/packages/${enc(b.name)}">${b.name}</a> <a href="/ui/packages/${enc(b.name)}/${enc(b.nevra)}">${b.nevra}</a></td><td class="mono">${b.id.slice(0, 19)}</td></tr>`)}
</table>
<h2>History</h2>
<table><tr><th>time</th><th>change</th></tr>${log.map((e) => html`<tr><td>${e.time}</td><td>${e.message.split('\n')[0]}</td></tr>`)}</table>`));
  });

  app.get('/packages/:name', async (c) => {
    const name = c.req.param('name');
    const rows = await reads.read((view) => packageVersions(store, view, name));
    return c.html(page(`Package ${name}`, html`
<p>${rows.length} build${rows.length === 1 ? '' : 's'} in the store, newest first: versions coexist.</p>
<table><tr><th>build</th><th>channels</th><th>pinned</th></tr>
${rows.map((r) => html`<tr><td><a href="/ui/packages/${enc(name)}/${enc(r.nevra)}">${r.nevra}</a></td><td>${r.channels.map((ch) => html`<span class="tag">${ch}</span>`)}</td><td>${r.pinned ? 'yes' : ''}</td></tr>`)}
</table>`));
  });

  app.get('/packages/:name/:ref', async (c) => {
    const { name, ref } = c.req.param();
    const { json, manifest } = await reads.read((view) => packageDetails(store, view, ref));
    // The page of a build lives under its own name only.
    if (manifest.name !== name) throw new BazaarError('ERR_PACKAGE_NOT_FOUND', `no package ${ref} named ${name}`);
    const m = manifest;
    return c.html(page(m.nevra, html`
<p>${m.summary}</p>
<table>
<tr><th>build id</th><td class="mono">${String(json.id)}</td></tr>
<tr><th>.rpm</th><td class="mono"><a href="/v1/objects/${String(json.rpm)}">${String(json.rpm)}</a> (${String(json.rpmSize)} bytes)</td></tr>
<tr><th>license</th><td>${m.license}</td></tr><tr><th>group</th><td>${m.group}</td></tr>
<tr><th>built</th><td>${new Date(m.buildtime * 1000).toISOString()} on ${m.buildhost}</td></tr>
<tr><th>source</th><td>${m.sourcerpm ?? '(source package)'}</td></tr>
</table>
<h2>Dependencies</h2>${depsTable(m)}
<h2>Files (${m.files.length})</h2>
<table><tr><th>mode</th><th>owner</th><th>size</th><th>path</th></tr>
${m.files.map((f) => html`<tr class="mono"><td>${f.mode.toString(8).padStart(7, '0')}</td><td>${f.user}/${f.group}</td><td>${f.size}</td><td>${f.path}${f.linkto ? ` -> ${f.linkto}` : ''}</td></tr>`)}
</table>`));
  });

  app.get('/images/:name', async (c) => {
    const name = c.req.param('name');
    const unreadable: string[] = [];
    const d = await reads.read(async (view) => ({
      image: await showImage(store, view, name),
      history: await imageLog(store, view, name),
      children: await childrenOf(view, store, name, (n) => unreadable.push(n)),
      audit: await audit(store, view, name).catch(() => []),
    }));
    const state = d.image.parent === null ? html`<p>not linked to a parent</p>`
      : d.audit.length === 0 || !d.audit.some(isBroken) ? html`<p class="ok">linked to <a href="/ui/images/${enc(d.image.parent)}">${d.image.parent}</a> (${d.image.policy}): in compliance, and whole</p>`
        : html`<p class="bad">linked to <a href="/ui/images/${enc(d.image.parent)}">${d.image.parent}</a> (${d.image.policy}): ${d.audit.flatMap((a) => a.violations).length} violation(s), ${d.audit.flatMap((a) => a.dependencies).length} unmet dependency(ies)</p>
<ul>${d.audit.flatMap((a) => a.violations).map((v) => html`<li>${v.kind}: ${v.name}</li>`)}${d.audit.flatMap((a) => a.dependencies).map((p) => html`<li>${p.text}</li>`)}</ul>`;
    return c.html(page(`Image ${name}@${d.image.version}`, html`
<h2>Audit</h2>${state}
<h2>Layers (lowest first)</h2>
<table><tr><th>layer</th><th>version</th><th>range</th><th>archive</th></tr>
${d.image.layers.map((l) => html`<tr><td>${l.private ? 'private' : l.name}</td><td>${l.version}</td><td>${l.range ?? ''}</td><td><a href="/v1/layers/by-id/${l.id}/archive.tar.zst">.tar.zst</a></td></tr>`)}
</table>
<h2>Packages (${d.image.packages.length})</h2>
<p>${d.image.packages.map((p) => html`<span class="tag">${p}</span> `)}</p>
<h2>Linked children</h2>
${d.children.length ? html`<ul>${d.children.map((ch) => html`<li><a href="/ui/images/${enc(ch.image.name)}">${ch.image.name}</a>@${ch.image.version} (${ch.image.parent?.policy ?? ''})</li>`)}</ul>` : html`<p>none</p>`}
${unreadable.length ? html`<p class="bad">damaged, so not known whether linked here: ${unreadable.map((n) => html`<a href="/ui/images/${enc(n)}">${n}</a> `)}</p>` : ''}
<h2>History</h2>
<table><tr><th>time</th><th>version</th><th>change</th></tr>${d.history.map((e) => html`<tr><td>${e.time}</td><td>${e.version}</td><td>${e.message.split('\n')[0]}</td></tr>`)}</table>`));
  });

  // Errors as a page too (escaped, like everything on it), with the API's status.
  app.onError((err, c) => {
    if (!(err instanceof BazaarError)) return errorResponse(err, c, log);
    return c.html(page(isDamageError(err) ? 'Damaged' : 'Not here', html`<p class="bad">${err.message.split('\n')[0]}</p>`), statusOf(err));
  });

  return app;
}

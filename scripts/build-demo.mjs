// Builds resources/demo, the demo study the app imports on first start, from the shared PhysioNet data.
// Records are copied byte for byte; each dataset's metadata table keeps the header and the rows of the chosen
// records, so the app shows their diagnoses; the licences travel with the data.
//   node scripts/build-demo.mjs            rebuild resources/demo (ECG_AUDIT_SHARED_DATA names the data folder)
//   node scripts/build-demo.mjs --check    exit 1 unless resources/demo is exactly what the build writes
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.ECG_AUDIT_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');
const target = join(repoRoot, 'resources', 'demo');

/** PTB-XL 500 Hz records (ecg_id), mostly from the benchmark's held-out folds 9 and 10, recordings without noted noise. */
const PTBXL = [
  [57, 'normal ECG'],
  [417, 'normal ECG'],
  [184, 'MI: inferolateral and anteroseptal'],
  [210, 'MI: inferior'],
  [271, 'MI: anteroseptal, with left ventricular hypertrophy and ischaemic ST-T changes'],
  [338, 'conduction: complete left bundle branch block'],
  [195, 'conduction: complete right bundle branch block'],
  [167, 'ST-T: anterolateral ischaemia'],
  [318, 'rhythm: atrial fibrillation, with ST-T changes'],
];
/** LUDB records (ID): 500 Hz, with cardiologists' P/QRS/T delineation of every lead. */
const LUDB = [
  [14, 'sinus rhythm'],
  [88, 'rhythm: atrial fibrillation'],
  [173, 'rhythm: atrial fibrillation'],
  [35, 'rhythm: typical atrial flutter'],
  [24, 'conduction: complete left bundle branch block, with anterior STEMI'],
  [23, 'conduction: complete right bundle branch block'],
];
const LUDB_ANNOTATIONS = ['i', 'ii', 'iii', 'avr', 'avl', 'avf', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6'];

/** Splits CSV text into raw records, keeping quoted newlines (LUDB's cells span lines) inside their record. */
function csvRecords(text) {
  const records = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) {
      records.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) records.push(text.slice(start));
  return records;
}

/** The header and the rows whose first cell is one of `ids`, in the source's order. */
function filterTable(from, ids, to) {
  const [header, ...rows] = csvRecords(readFileSync(from, 'utf8'));
  const wanted = new Set(ids.map(String));
  const kept = rows.filter((r) => wanted.has(r.slice(0, r.indexOf(','))));
  if (kept.length !== wanted.size) throw new Error(`${from}: found ${kept.length} of the ${wanted.size} demo rows`);
  writeFileSync(to, header + kept.join(''));
}

function copy(from, to) {
  if (!existsSync(from)) throw new Error(`${from} is missing: the demo is built from the shared PhysioNet data`);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

function readme() {
  const rows = (list, name) => list.map(([id, why]) => `| ${name(id)} | ${why} |`).join('\n');
  return `# Demo study

The ECGs \`npm start\` imports on first start (unless \`ECG_AUDIT_SAMPLES\` names another folder): ${PTBXL.length + LUDB.length}
real 10-second 12-lead records at 500 Hz from two public PhysioNet databases, unchanged, with the rows of each
database's metadata table that describe them. Rebuild with \`node scripts/build-demo.mjs\` from \`../shared/data\`.

## PTB-XL (\`ptbxl/\`), CC BY 4.0

Wagner, P., Strodthoff, N., Bousseljot, R.-D., Kreiseler, D., Lunze, F.I., Samek, W., Schaeffter, T. (2020).
PTB-XL, a large publicly available electrocardiography dataset. Scientific Data 7, 154.
doi:10.1038/s41597-020-0495-6. Published on PhysioNet (Goldberger et al., Circulation 101(23), 2000).
Licence: Creative Commons Attribution 4.0 International, full text in \`ptbxl/LICENSE.txt\`.
Changes: \`ptbxl_database.csv\` (PTB-XL v1.0.1) keeps only the rows of the records below; the record files and
\`scp_statements.csv\` are unchanged.

| record | chosen as |
|---|---|
${rows(PTBXL, (id) => `\`records500/00000/${String(id).padStart(5, '0')}_hr\``)}

## LUDB (\`ludb/\`), ODC-By 1.0

Kalyakulina, A.I., Yusipov, I.I., Moskalenko, V.A., Nikolskiy, A.V., Kosonogov, K.A., Osipov, G.V.,
Zolotykh, N.Yu., Ivanchenko, M.V. (2020). LUDB: A New Open-Access Validation Tool for Electrocardiogram
Delineation Algorithms. IEEE Access 8, 186181-186190. doi:10.1109/ACCESS.2020.3029211. Dataset: Lobachevsky
University Electrocardiography Database v1.0.1, PhysioNet, doi:10.13026/eegm-h675.
Licence: Open Data Commons Attribution License v1.0, full text in \`ludb/LICENSE.txt\`.
Changes: \`ludb.csv\` keeps only the rows of the records below; the record and annotation files are unchanged.

| record | chosen as |
|---|---|
${rows(LUDB, (id) => `\`data/${id}\``)}
`;
}

function build(out) {
  const ptbxl = join(shared, 'ptbxl');
  for (const [id] of PTBXL) {
    const name = `records500/00000/${String(id).padStart(5, '0')}_hr`;
    for (const ext of ['hea', 'dat']) copy(join(ptbxl, `${name}.${ext}`), join(out, 'ptbxl', `${name}.${ext}`));
  }
  filterTable(
    join(shared, 'ptbxl-full', 'ptbxl_database.csv'),
    PTBXL.map(([id]) => id),
    join(out, 'ptbxl', 'ptbxl_database.csv'),
  );
  copy(join(shared, 'ptbxl-full', 'scp_statements.csv'), join(out, 'ptbxl', 'scp_statements.csv'));
  copy(join(ptbxl, 'LICENSE.txt'), join(out, 'ptbxl', 'LICENSE.txt'));

  const ludb = join(shared, 'ludb');
  for (const [id] of LUDB) {
    for (const ext of ['hea', 'dat', ...LUDB_ANNOTATIONS])
      copy(join(ludb, 'data', `${id}.${ext}`), join(out, 'ludb', 'data', `${id}.${ext}`));
  }
  filterTable(
    join(ludb, 'ludb.csv'),
    LUDB.map(([id]) => id),
    join(out, 'ludb', 'ludb.csv'),
  );
  copy(join(ludb, 'LICENSE.txt'), join(out, 'ludb', 'LICENSE.txt'));
  writeFileSync(join(out, 'README.md'), readme());
}

function files(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((p) => statSync(join(dir, p)).isFile())
    .sort();
}

if (process.argv.includes('--check')) {
  const fresh = mkdtempSync(join(tmpdir(), 'ecg-audit-demo-'));
  try {
    build(fresh);
    const want = files(fresh);
    const have = existsSync(target) ? files(target) : [];
    const differ = [...new Set([...want, ...have])].filter(
      (p) => !want.includes(p) || !have.includes(p) || !readFileSync(join(fresh, p)).equals(readFileSync(join(target, p))),
    );
    if (differ.length > 0) {
      console.error(`${relative(repoRoot, target)} differs from what scripts/build-demo.mjs builds: ${differ.join(', ')}`);
      process.exit(1);
    }
    console.log(`${relative(repoRoot, target)} is up to date (${want.length} files).`);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
} else {
  rmSync(target, { recursive: true, force: true });
  build(target);
  const list = files(target);
  const bytes = list.reduce((sum, p) => sum + statSync(join(target, p)).size, 0);
  console.log(`${relative(repoRoot, target)}: ${PTBXL.length + LUDB.length} records, ${list.length} files, ${bytes} bytes.`);
}

/**
 * A model folder holds model.json (the manifest) and the ONNX file it names. Loading one validates the
 * manifest, checks its internal consistency and verifies the ONNX file's sha256 before any session sees it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ModelError } from './errors.ts';
import { type ModelManifest, modelManifestSchema, OUTPUT_ROLES } from './manifest.ts';

export const MANIFEST_FILE = 'model.json';
export const DEFAULT_MODEL_ID = 'ecg-imn-ptbxl-superdiag-100hz';

export interface ModelFolder {
  dir: string;
  manifestPath: string;
  onnxPath: string;
  manifest: ModelManifest;
  /** The verified ONNX bytes; sessions are created from these, never by re-reading the file. */
  onnxBytes: Uint8Array;
}

/**
 * Where bundled models live: $ECG_AUDIT_MODELS_DIR, else `models/` under Electron's resourcesPath when packaged,
 * else resources/models in the source tree. A bundled app should pass its folder explicitly instead.
 */
export function defaultModelDir(): string {
  const fromEnv = process.env.ECG_AUDIT_MODELS_DIR;
  if (fromEnv) return resolve(fromEnv);
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath && existsSync(join(resourcesPath, 'models'))) return join(resourcesPath, 'models');
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'resources', 'models');
}

export function readManifest(manifestPath: string): ModelManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelError(manifestPath, 'not-found', 'model manifest not found');
    throw new ModelError(manifestPath, 'bad-manifest', `cannot read the manifest: ${(err as Error).message}`);
  }
  const parsed = modelManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ModelError(manifestPath, 'bad-manifest', `invalid model manifest:\n${z.prettifyError(parsed.error)}`);
  }
  checkConsistency(manifestPath, parsed.data);
  return parsed.data;
}

/** The manifest's ONNX signature must agree with its own class list, leads and input length. */
function checkConsistency(file: string, m: ModelManifest): void {
  const fail = (detail: string): never => {
    throw new ModelError(file, 'bad-manifest', detail);
  };
  const K = m.classes.length;
  const C = m.leadOrder.length;
  const L = m.inputLength;
  const input = m.onnx.inputs[0];
  if (input.shape.length !== 3 || input.shape[1] !== C || input.shape[2] !== L) {
    fail(`onnx input ${input.name} has shape [${input.shape.join(', ')}], expected [batch, ${C}, ${L}]`);
  }
  const expected: Record<(typeof OUTPUT_ROLES)[number], (number | null)[]> = {
    logits: [null, K],
    W: [null, K, C, L],
    bias: [null, K],
  };
  for (const role of OUTPUT_ROLES) {
    const out = m.onnx.outputs.find((o) => o.name === role);
    if (!out) fail(`onnx outputs lack "${role}"`);
    const want = expected[role];
    const ok = out!.shape.length === want.length && want.every((d, i) => d === null || out!.shape[i] === d);
    if (!ok) fail(`onnx output ${role} has shape [${out!.shape.join(', ')}], expected [batch, ${want.slice(1).join(', ')}]`);
  }
  if (new Set(m.classes.map((c) => c.code)).size !== K) fail('class codes are not unique');
  if (new Set(m.leadOrder).size !== C) fail('leadOrder names a lead twice');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Loads and verifies a model folder (manifest + ONNX file + checksum). */
export function loadModelFolder(dir: string): ModelFolder {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelError(dir, 'not-found', 'model folder not found');
  const manifest = readManifest(manifestPath);
  const onnxPath = isAbsolute(manifest.onnx.file) ? manifest.onnx.file : join(dir, manifest.onnx.file);
  let onnxBytes: Uint8Array;
  try {
    onnxBytes = readFileSync(onnxPath);
  } catch (err) {
    throw new ModelError(onnxPath, 'not-found', `cannot read the ONNX file named by ${manifestPath}: ${(err as Error).message}`);
  }
  const actual = sha256Hex(onnxBytes);
  if (actual !== manifest.onnx.sha256.toLowerCase()) {
    throw new ModelError(
      onnxPath,
      'sha256-mismatch',
      `sha256 is ${actual} but ${manifestPath} says ${manifest.onnx.sha256}; the file is corrupt or belongs to another model`,
    );
  }
  return { dir, manifestPath, onnxPath, manifest, onnxBytes };
}

/**
 * Resolves what the user typed after --model: an existing folder path, or a model id under `modelsDir`.
 * Without one, the default model when installed, else the only installed model.
 */
export function resolveModelDir(idOrPath: string | undefined, modelsDir = defaultModelDir()): string {
  if (idOrPath) {
    if (existsSync(idOrPath) && statSync(idOrPath).isDirectory()) return resolve(idOrPath);
    const byId = join(modelsDir, idOrPath);
    if (existsSync(join(byId, MANIFEST_FILE))) return byId;
    throw new ModelError(idOrPath, 'not-found', `no model folder at this path and no model with this id in ${modelsDir}`);
  }
  const installed = listModels(modelsDir).filter((m) => m.manifest);
  const preferred = installed.find((m) => m.id === DEFAULT_MODEL_ID) ?? (installed.length === 1 ? installed[0] : undefined);
  if (!preferred) {
    const ids = installed.map((m) => m.id).join(', ') || 'none';
    throw new ModelError(modelsDir, 'not-found', `choose a model with --model (installed: ${ids})`);
  }
  return preferred.dir;
}

export interface ListedModel {
  id: string;
  dir: string;
  /** Absent when the manifest is unreadable; `problem` says why. */
  manifest?: ModelManifest;
  problem?: string;
}

/** Every sub-folder of `dir` that has a model.json; invalid manifests are listed with their problem, not thrown. */
export function listModels(dir: string = defaultModelDir()): ListedModel[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, MANIFEST_FILE)))
    .map((e) => {
      const folder = join(dir, e.name);
      try {
        const manifest = readManifest(join(folder, MANIFEST_FILE));
        return { id: manifest.id, dir: folder, manifest };
      } catch (err) {
        return { id: e.name, dir: folder, problem: (err as Error).message };
      }
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import { ModelError } from '../../src/core/inference/errors.ts';
import type { ModelManifest } from '../../src/core/inference/manifest.ts';
import { listModels, loadModelFolder, resolveModelDir, sha256Hex } from '../../src/core/inference/modelFolder.ts';
import { tinyModelDir } from '../signal/preprocessingFixtures.ts';

const temps: string[] = [];
afterEach(() => temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the tiny model in a temp folder, with the manifest edited by `edit`. */
function modelCopy(edit: (manifest: ModelManifest, dir: string) => void = () => undefined, name = 'tiny-imn'): string {
  const root = mkdtempSync(join(tmpdir(), 'ecg-models-'));
  temps.push(root);
  const dir = join(root, name);
  cpSync(tinyModelDir, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelManifest;
  edit(manifest, dir);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest));
  return dir;
}

async function openError(dir: string): Promise<ModelError> {
  const err = await InferenceEngine.open(dir, { providers: ['cpu'] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelError);
  return err as ModelError;
}

describe('model folders', () => {
  it('loads the tiny model and verifies its checksum', () => {
    const m = loadModelFolder(tinyModelDir);
    expect(m.manifest.id).toBe('tiny-imn');
    expect(sha256Hex(m.onnxBytes)).toBe(m.manifest.onnx.sha256);
  });

  it('refuses a file whose sha256 differs from the manifest, naming the file', async () => {
    const dir = modelCopy((m) => (m.onnx.sha256 = '0'.repeat(64)));
    const err = await openError(dir);
    expect(err.problem).toBe('sha256-mismatch');
    expect(err.message).toContain(join(dir, 'model.onnx'));
  });

  it('refuses a corrupt ONNX file even when the checksum was updated to match it', async () => {
    const dir = modelCopy((m, d) => {
      const bytes = readFileSync(join(d, 'model.onnx'));
      const corrupt = bytes.subarray(0, Math.floor(bytes.length / 3));
      writeFileSync(join(d, 'model.onnx'), corrupt);
      m.onnx.sha256 = sha256Hex(corrupt);
    });
    const err = await openError(dir);
    expect(err.problem).toBe('corrupt-model');
    expect(err.message).toContain('model.onnx');
  });

  it('refuses a model whose ONNX signature does not match the manifest', async () => {
    const renamed = await openError(modelCopy((m) => (m.onnx.inputs[0].name = 'signal')));
    expect(renamed.problem).toBe('signature-mismatch');
    expect(renamed.message).toMatch(/inputs are \[ecg\], the manifest says \[signal\]/);

    const shorter = await openError(
      modelCopy((m) => {
        m.inputLength = 500;
        m.onnx.inputs[0].shape[2] = 500;
        m.onnx.outputs.find((o) => o.name === 'W')!.shape[3] = 500;
      }),
    );
    expect(shorter.problem).toBe('signature-mismatch');
    expect(shorter.message).toMatch(/ecg has shape \[batch, 12, 1000\], the manifest says \[batch, 12, 500\]/);

    const sixClasses = await openError(
      modelCopy((m) => {
        m.classes.push({ code: 'X', name: 'extra' });
        m.onnx.outputs.forEach((o) => (o.shape[1] = 6));
      }),
    );
    expect(sixClasses.problem).toBe('signature-mismatch');
  });

  it('refuses an invalid or inconsistent manifest with the reason', async () => {
    const bad = await openError(modelCopy((m) => ((m as { outputActivation: string }).outputActivation = 'softmax')));
    expect(bad.problem).toBe('bad-manifest');
    expect(bad.message).toContain('model.json');
    expect(bad.message).toContain('outputActivation');

    const inconsistent = await openError(modelCopy((m) => m.leadOrder.pop()));
    expect(inconsistent.problem).toBe('bad-manifest');
    expect(inconsistent.message).toMatch(/expected \[batch, 11, 1000\]/);

    const otherScope = await openError(modelCopy((m) => ((m.preprocessing.zscore as { scope?: string }).scope = 'per lead, per record')));
    expect(otherScope.problem).toBe('bad-manifest');

    const notJson = modelCopy();
    writeFileSync(join(notJson, 'model.json'), '{ not json');
    expect((await openError(notJson)).problem).toBe('bad-manifest');
  });

  it('lists model folders, reporting broken ones instead of throwing', () => {
    const good = modelCopy();
    const root = join(good, '..');
    cpSync(good, join(root, 'broken'), { recursive: true });
    writeFileSync(join(root, 'broken', 'model.json'), '{}');
    const listed = listModels(root);
    expect(listed.map((m) => m.id)).toEqual(['broken', 'tiny-imn']);
    expect(listed[0]!.problem).toMatch(/invalid model manifest/);
    expect(listed[1]!.manifest?.classes).toHaveLength(5);
  });

  it('resolves --model as a path, an id, or the only installed model', () => {
    const dir = modelCopy();
    const root = join(dir, '..');
    expect(resolveModelDir(dir, root)).toBe(dir);
    expect(resolveModelDir('tiny-imn', root)).toBe(dir);
    expect(resolveModelDir(undefined, root)).toBe(dir);
    expect(() => resolveModelDir('nope', root)).toThrowError(/no model with this id/);
  });
});

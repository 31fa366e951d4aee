import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EcgFormatError, readEcgFile } from '../../core/formats/index.ts';
import { InferenceEngine, ModelError, type Prediction, resolveModelDir } from '../../core/inference/index.ts';
import { ProviderListError } from '../../core/inference/providers.ts';
import { PreprocessError } from '../../core/signal/preprocess.ts';
import { CliError, printJson } from '../output.ts';
import { predictJsonl } from './predictJsonl.ts';

/** The --json document: the figures a reader needs to check the explanation, not the maps. */
export function predictionSummary(p: Prediction) {
  return {
    model: p.modelId,
    executionProvider: p.executionProvider,
    classes: p.classes.map((c) => ({
      name: c.code,
      logit: c.logit,
      probability: c.probability,
      bias: c.bias,
      leadContributions: c.leadContributions,
    })),
    completenessMaxAbsError: p.completenessMaxAbsError,
    windows: p.windowStarts.length,
    regions: p.regions.map((r) => ({ class: r.classCode, lead: r.lead, startS: r.startS, endS: r.endS, contribution: r.contribution })),
    warnings: p.warnings,
  };
}

function printTable(file: string, p: Prediction): void {
  const out: string[] = [
    `${file}`,
    `model ${p.modelId}, execution provider ${p.executionProvider}, ${p.windowStarts.length} window(s)`,
    '',
  ];
  out.push('class   probability     logit      bias  strongest lead');
  for (const c of p.classes) {
    const [lead, value] = Object.entries(c.leadContributions).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))[0]!;
    out.push(
      `${c.code.padEnd(6)} ${c.probability.toFixed(3).padStart(12)} ${c.logit.toFixed(3).padStart(9)} ${c.bias.toFixed(3).padStart(9)}  ${lead} ${value >= 0 ? '+' : ''}${value.toFixed(3)}`,
    );
  }
  out.push('', `completeness |sum(W*x) + b - logit| max: ${p.completenessMaxAbsError.toExponential(2)}`);
  const top = p.regions.filter((r) => r.rank <= 3);
  if (top.length > 0) {
    out.push('', 'top evidence regions per class:');
    for (const r of top) {
      out.push(
        `  ${r.classCode.padEnd(6)} #${r.rank} ${r.lead.padEnd(4)} ${r.startS.toFixed(2)}-${r.endS.toFixed(2)} s  ${r.contribution >= 0 ? '+' : ''}${r.contribution.toFixed(3)}`,
      );
    }
  }
  for (const note of p.providerNotes) out.push(`note: ${note}`);
  for (const w of p.warnings) out.push(`warning: ${w}`);
  process.stdout.write(out.join('\n') + '\n');
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('Run ECG-IMN on one ECG file and print its exact explanation; with --jsonl, on many files and folders')
    .argument('<paths...>', 'one ECG file (any supported format); with --jsonl, files and folders (searched recursively)')
    .option('--model <id|path>', 'model id under the models folder, or a model folder path')
    .option('--json', 'print one JSON object (one file)')
    .option('--jsonl', 'one JSON line per record on stdout, streamed in a stable order (see docs/dataset.md)')
    .option('--maps <dir>', "with --jsonl: write each record's W*x as float16 .npy files under this folder")
    .option('--shard <K/N>', 'with --jsonl: process only the K-th of N deterministic shards of the records')
    .action(async (paths: string[], opts: { model?: string; json?: boolean; jsonl?: boolean; maps?: string; shard?: string }) => {
      if (opts.jsonl) return predictJsonl(paths, opts);
      if (opts.maps !== undefined || opts.shard !== undefined) throw new CliError('--maps and --shard need --jsonl', 2);
      if (paths.length !== 1 || isDirectory(resolve(paths[0]!))) {
        throw new CliError('predict without --jsonl takes one ECG file; use --jsonl for folders and several files', 2);
      }
      const path = resolve(paths[0]!);
      let engine: InferenceEngine | undefined;
      try {
        const record = await readEcgFile(path);
        engine = await InferenceEngine.open(resolveModelDir(opts.model));
        const prediction = await engine.predict(record);
        if (opts.json) printJson(predictionSummary(prediction));
        else printTable(path, prediction);
      } catch (err) {
        if (
          err instanceof EcgFormatError ||
          err instanceof ModelError ||
          err instanceof PreprocessError ||
          err instanceof ProviderListError
        ) {
          throw new CliError(err.message);
        }
        throw err;
      } finally {
        await engine?.close();
      }
    });
}

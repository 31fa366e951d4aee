import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  exportLabelsPackage,
  exportStudyPackage,
  importStudyPackage,
  mergeLabelPackages,
  PackageError,
  type PackageSummary,
  readPackageLabels,
} from '../../core/package/index.ts';
import { type Db, StoreError } from '../../core/store/index.ts';
import { CliError, printJson } from '../output.ts';
import { DB_OPTION_HELP, openCliStore } from '../store.ts';

/** Opens the database, runs the work, closes it; store and package refusals become one-line CLI errors. */
function withStore<T>(dbOption: string | undefined, readonly: boolean, work: (db: Db, path: string) => T): T {
  const { db, dbPath } = openCliStore(dbOption, { readonly });
  try {
    return work(db, dbPath);
  } catch (err) {
    if (err instanceof PackageError || err instanceof StoreError) throw new CliError(err.message);
    throw err;
  } finally {
    db.close();
  }
}

function describe(s: PackageSummary): string {
  const what = s.kind === 'study' ? `${s.records} records` : `${s.labels} labels by ${s.raters} rater(s)`;
  return `${s.path}: ${s.kind} package of study ${JSON.stringify(s.studyName)}, ${what}, ${(s.bytes / 1e6).toFixed(2)} MB, sha256 ${s.sha256}\n`;
}

function seedOption(text: string | undefined, randomise: boolean): number | undefined {
  if (text === undefined) return undefined;
  if (!randomise) throw new CliError('--seed only makes sense with --randomise-order', 2);
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1)
    throw new CliError(`--seed must be an integer from 0 to 4294967295, got ${JSON.stringify(text)}`, 2);
  return n;
}

export function registerPackage(program: Command): void {
  const pkg = program.command('package').description('Audit packages: send a study to raters offline and merge their labels back');

  pkg
    .command('export')
    .description('Write a study package (.ecgaudit) that raters open or import to label offline')
    .requiredOption('--study <name>', 'study to package')
    .requiredOption('--out <file>', 'package file to create (must not exist)')
    .option('--db <file>', DB_OPTION_HELP)
    .option('--hide-probabilities', 'raters do not see model probabilities')
    .option('--randomise-order', 'shuffle the worklist order')
    .option('--seed <n>', 'seed of the shuffle (default: drawn at random and recorded in the package)')
    .option('--json', 'print one JSON object describing the package')
    .action(
      (opts: {
        study: string;
        out: string;
        db?: string;
        hideProbabilities?: boolean;
        randomiseOrder?: boolean;
        seed?: string;
        json?: boolean;
      }) => {
        const randomiseOrder = opts.randomiseOrder ?? false;
        const seed = seedOption(opts.seed, randomiseOrder);
        const summary = withStore(opts.db, true, (db, path) =>
          exportStudyPackage(db, path, {
            studyName: opts.study,
            out: resolve(opts.out),
            hideProbabilities: opts.hideProbabilities ?? false,
            randomiseOrder,
            seed,
          }),
        );
        if (opts.json) printJson(summary);
        else process.stdout.write(describe(summary));
      },
    );

  pkg
    .command('labels')
    .description("Write a labels package: the study's label history (one rater's with --rater) to return to the researcher")
    .requiredOption('--study <name>', 'study whose labels to export')
    .requiredOption('--out <file>', 'labels package to create (must not exist)')
    .option('--db <file>', `${DB_OPTION_HELP}; may be a study package the rater labelled in`)
    .option('--rater <id>', 'only this rater (their full history)')
    .option('--json', 'print one JSON object describing the package')
    .action((opts: { study: string; out: string; db?: string; rater?: string; json?: boolean }) => {
      const summary = withStore(opts.db, true, (db, path) =>
        exportLabelsPackage(db, path, { studyName: opts.study, out: resolve(opts.out), raterId: opts.rater }),
      );
      if (opts.json) printJson(summary);
      else process.stdout.write(describe(summary));
    });

  pkg
    .command('merge')
    .description('Merge labels packages (or study packages raters labelled in) into a database; all or nothing, repeatable')
    .argument('<packages...>', 'labels packages or labelled study packages')
    .option('--db <file>', DB_OPTION_HELP)
    .option('--json', 'print one JSON object with what was merged')
    .action((inputs: string[], opts: { db?: string; json?: boolean }) => {
      const summary = withStore(opts.db, false, (db, path) =>
        mergeLabelPackages(
          db,
          path,
          inputs.map((p) => resolve(p)),
        ),
      );
      for (const w of summary.warnings) process.stderr.write(`warning: ${w}\n`);
      if (opts.json) printJson(summary);
      else {
        process.stdout.write(
          `Merged ${summary.files.length} package(s) into ${summary.target}, study ${JSON.stringify(summary.studyName)}: ` +
            `${summary.labelsAdded} labels added, ${summary.labelsAlreadyPresent} already present, ${summary.ratersAdded} new rater(s)\n`,
        );
      }
    });

  pkg
    .command('import')
    .description("Import a study package into a database (a rater's own), with any labels it carries")
    .argument('<package>', 'study package')
    .option('--db <file>', DB_OPTION_HELP)
    .option('--json', 'print one JSON object with what was imported')
    .action((file: string, opts: { db?: string; json?: boolean }) => {
      const summary = withStore(opts.db, false, (db, path) => importStudyPackage(db, path, resolve(file)));
      if (opts.json) printJson(summary);
      else {
        process.stdout.write(
          `Imported study ${JSON.stringify(summary.package.studyName)}: ${summary.recordsAdded} records added, ` +
            `${summary.recordsAlreadyPresent} already present, ${summary.labels.labelsAdded} labels added\n`,
        );
      }
    });

  pkg
    .command('verify')
    .description('Check a package against its content hash and show its manifest')
    .argument('<package>', 'study or labels package')
    .option('--json', 'print one JSON object: the manifest, the hash and the labels count')
    .action((file: string, opts: { json?: boolean }) => {
      let read;
      try {
        read = readPackageLabels(resolve(file));
      } catch (err) {
        if (err instanceof PackageError) throw new CliError(err.message);
        throw err;
      }
      const result = {
        path: read.path,
        sha256: read.sha256,
        manifest: read.manifest,
        labels: read.labels.length,
        raters: read.raters.length,
      };
      if (opts.json) printJson(result);
      else {
        const m = read.manifest;
        process.stdout.write(
          `${read.path}: intact ${m.kind} package of study ${JSON.stringify(m.study.name)} (sha256 ${read.sha256})\n` +
            `  ${m.records.length} records, models ${m.models.map((x) => x.id).join(', ')}, ${read.labels.length} labels by ${read.raters.length} rater(s)\n`,
        );
      }
    });
}

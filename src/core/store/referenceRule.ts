/**
 * When a run disagrees with its record's reference diagnosis, as SQL over `run` (runs) and `d`
 * (reference_diagnoses of run.record_id): a class of the model's that the reference decides (not in
 * d.undetermined) is predicted on one side only. Predicted classes are runs.predicted; instr finds a class among
 * the model's in the classes JSON the store wrote. Its own module so that the migration that fills
 * reference_disagreements and insertReference share it without an import cycle.
 */
const decided = (cls: string) => `NOT EXISTS (SELECT 1 FROM json_each(d.undetermined) u WHERE u.value = ${cls})`;

export const RUN_DISAGREES_WITH_REFERENCE = `(
  EXISTS (SELECT 1 FROM json_each(run.predicted) p WHERE ${decided('p.value')}
    AND NOT EXISTS (SELECT 1 FROM reference_classes rc WHERE rc.record_id = run.record_id AND rc.class = p.value))
  OR EXISTS (SELECT 1 FROM reference_classes rc WHERE rc.record_id = run.record_id AND ${decided('rc.class')}
    AND NOT EXISTS (SELECT 1 FROM json_each(run.predicted) p WHERE p.value = rc.class)
    AND instr(run.classes, '"code":' || json_quote(rc.class) || ',') > 0))`;

/**
 * The open record's reading aids (records.measurements): heart rate from the detected QRS complexes and, where
 * the record carries delineation, its P/QRS/T waves and intervals; and whether the wave marks are shown. The
 * marks stay on from record to record once switched on; records without delineation simply have none.
 */
import { computed, ref, shallowRef, watch, type Ref } from 'vue';
import type { EcgAuditApi } from '../../../shared/api/index.ts';
import type { MeasurementsDto } from '../../../shared/api/measurements.ts';
import type { WaveSpan } from '../ecg/waves.ts';
import { describeError, type ShownError } from './errors.ts';

export function useMeasurements(api: EcgAuditApi, recordId: Ref<number | null>) {
  const measurements = shallowRef<MeasurementsDto | null>(null);
  const error = ref<ShownError | null>(null);
  const showWaves = ref(false);
  /** Set when the key asks for marks a record does not have. */
  const notice = ref<string | null>(null);
  let asked = 0;

  watch(
    recordId,
    async (id) => {
      const ticket = ++asked;
      measurements.value = null;
      error.value = null;
      notice.value = null;
      if (id === null) return;
      try {
        const m = await api.call('records.measurements', { recordId: id });
        if (ticket === asked) measurements.value = m;
      } catch (err) {
        if (ticket === asked) error.value = describeError(err, 'measure the heart rate');
      }
    },
    { immediate: true },
  );

  const hasDelineation = computed(() => (measurements.value?.delineation?.waves.length ?? 0) > 0);
  const waves = computed<WaveSpan[] | null>(() =>
    showWaves.value && hasDelineation.value ? measurements.value!.delineation!.waves : null,
  );

  function toggleWaves(): void {
    if (hasDelineation.value) showWaves.value = !showWaves.value;
    else if (measurements.value) notice.value = 'This record has no P, QRS and T annotations to show.';
  }

  return { measurements, error, showWaves, hasDelineation, waves, notice, toggleWaves };
}

/**
 * A report or a comparison seen from its page: it runs on the server as a job, so the page starts it, polls it
 * while it runs, picks it up again when opened during it, and can cancel it. Both share the server's job runner,
 * so both pages share this.
 */
import { computed, onMounted, onUnmounted, ref, type Ref } from 'vue';

const POLL_MS = 500;

export interface JobCalls<T> {
  status: (jobId: number) => Promise<T>;
  cancel: (jobId: number) => Promise<T>;
  /** The caller's last job, running or finished, or null. */
  latest: () => Promise<T | null>;
}

/** `load` fills the page's choices when it opens, before the last job is picked up. */
export function useReportJob<T extends { jobId: number; running: boolean }>(calls: JobCalls<T>, load: () => Promise<void>) {
  const task = ref(null) as Ref<T | null>;
  const error = ref('');
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function guarded(work: () => Promise<void>): Promise<void> {
    error.value = '';
    try {
      await work();
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  }

  function follow(): void {
    clearTimeout(timer);
    if (task.value?.running) timer = setTimeout(poll, POLL_MS);
  }

  async function poll(): Promise<void> {
    if (!task.value) return;
    const { jobId } = task.value;
    await guarded(async () => {
      task.value = await calls.status(jobId);
    });
    follow();
  }

  onMounted(() =>
    guarded(async () => {
      await load();
      task.value = await calls.latest();
      follow();
    }),
  );
  onUnmounted(() => clearTimeout(timer));

  return {
    task,
    error,
    running: computed(() => task.value?.running === true),
    start: (run: () => Promise<T>) =>
      guarded(async () => {
        task.value = await run();
        follow();
      }),
    cancel: () =>
      guarded(async () => {
        if (task.value) task.value = await calls.cancel(task.value.jobId);
      }),
  };
}

export function formatEta(s: number | null): string {
  if (s === null) return '';
  if (s < 60) return `about ${Math.ceil(s)} s left`;
  return `about ${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s left`;
}

export const formatNumber = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '–' : v.toFixed(digits));

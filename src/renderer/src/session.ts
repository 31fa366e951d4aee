/**
 * Who is rating on this screen. The rater itself (id + name) lives in the database (per installation);
 * the screen only remembers which one was picked, so a reload keeps the rater and a new launch asks again
 * only where the browser forgets (browser mode on a new port).
 */
import { ref } from 'vue';
import type { RaterDto } from '../../shared/api/labels.ts';

const KEY = 'ecg-audit-rater';

export const currentRater = ref<RaterDto | null>(null);

export function rememberedRaterId(): string | null {
  return localStorage.getItem(KEY);
}

export function chooseRater(rater: RaterDto | null): void {
  currentRater.value = rater;
  if (rater) localStorage.setItem(KEY, rater.id);
  else localStorage.removeItem(KEY);
}

/**
 * The stretch of a lead a region thumbnail shows: the region with context on both sides, at least two seconds
 * (about two beats at rest) so that the region can be judged against its neighbouring complexes.
 */

/** Row pitch of a thumbnail at 10 mm/mV: room for about 2 mV of QRS. */
export const THUMB_PITCH_MM = 24;
/** A thumbnail's caption, border and the strip's scrollbar, in pixels. */
export const THUMB_CAPTION_PX = 34;
const MIN_SPAN_S = 2;
const CONTEXT_S = 0.4;

export function thumbnailWindow(region: { startS: number; endS: number }, durationS: number): { startS: number; spanS: number } {
  const spanS = Math.min(durationS, Math.max(MIN_SPAN_S, region.endS - region.startS + 2 * CONTEXT_S));
  const centre = (region.startS + region.endS) / 2;
  const startS = Math.min(Math.max(0, centre - spanS / 2), Math.max(0, durationS - spanS));
  return { startS, spanS };
}

import { vi } from 'vitest';
import type { createHandlers } from '../../src/app/index.ts';
import { dispatch } from '../../src/app/index.ts';
import type { ApiRequest } from '../../src/shared/api/index.ts';
import type { ReportTaskDto } from '../../src/shared/api/reports.ts';

type AppHandlers = ReturnType<typeof createHandlers>;

async function call(handlers: AppHandlers, method: 'reports.status' | 'reports.cancel', jobId: number): Promise<ReportTaskDto> {
  const reply = await dispatch(handlers, method, { jobId });
  if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message}`);
  return reply.value as ReportTaskDto;
}

export async function startReportJob(handlers: AppHandlers, request: ApiRequest<'reports.start'>): Promise<ReportTaskDto> {
  const reply = await dispatch(handlers, 'reports.start', request);
  if (!reply.ok) throw new Error(`reports.start: ${reply.error.code}: ${reply.error.message}`);
  return reply.value as ReportTaskDto;
}

/** Polls a report job until `until` holds (by default: until it stops running), as the Reports screen does. */
export async function pollReport(
  handlers: AppHandlers,
  jobId: number,
  until: (t: ReportTaskDto) => boolean = (t) => !t.running,
  timeout = 240_000,
): Promise<ReportTaskDto> {
  return vi.waitFor(
    async () => {
      const t = await call(handlers, 'reports.status', jobId);
      if (!until(t)) throw new Error(`report job ${jobId}: still ${t.progress.phase}`);
      return t;
    },
    { timeout, interval: 50 },
  );
}

export function cancelReport(handlers: AppHandlers, jobId: number): Promise<ReportTaskDto> {
  return call(handlers, 'reports.cancel', jobId);
}

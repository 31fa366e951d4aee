import { z } from 'zod';
import { endpoint } from './contract.ts';

export const systemApi = {
  'system.info': endpoint(
    z.object({}).strict(),
    z.object({
      appVersion: z.string(),
      mode: z.enum(['electron', 'browser']),
      dbPath: z.string(),
      modelsDir: z.string(),
    }),
  ),
};

/**
 * Which execution providers to try, in order, on this machine. CPU is always last so a session always opens.
 * CUDA/TensorRT ship as separate shared libraries that onnxruntime-node's installer drops beside the binding
 * only for the CUDA build (`--onnxruntime-node-install=cuda12`); we look for them instead of paying a failed
 * session creation on every machine without them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { listSupportedBackends } from 'onnxruntime-node';

export type ExecutionProvider = 'cpu' | 'cuda' | 'tensorrt' | 'dml' | 'coreml' | 'webgpu';
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'cuda', 'tensorrt', 'dml', 'coreml', 'webgpu'];

/** Environment variable that pins the provider list, e.g. ECG_AUDIT_EP=cpu or ECG_AUDIT_EP=cuda,cpu. */
export const EP_ENV = 'ECG_AUDIT_EP';

function bindingFolder(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

function providerLibraryInstalled(provider: 'cuda' | 'tensorrt'): boolean {
  const file = process.platform === 'win32' ? `onnxruntime_providers_${provider}.dll` : `libonnxruntime_providers_${provider}.so`;
  return existsSync(join(bindingFolder(), file));
}

/**
 * WebGPU runs on Vulkan under Linux; without a Vulkan loader it can only fail (noisily, on stderr), so it is
 * not offered there. Other platforms ship their WebGPU backend (D3D12, Metal) with the OS.
 */
function webgpuUsable(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
  ];
  return dirs.some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}

/** Providers this platform's onnxruntime-node build offers, best first, cpu last. */
export function availableProviders(): ExecutionProvider[] {
  const listed = new Set(listSupportedBackends().map((b) => b.name));
  const order: ExecutionProvider[] = [];
  for (const gpu of ['tensorrt', 'cuda'] as const) {
    if (listed.has(gpu) && providerLibraryInstalled(gpu)) order.push(gpu);
  }
  if (process.platform === 'win32' && listed.has('dml')) order.push('dml');
  if (process.platform === 'darwin' && listed.has('coreml')) order.push('coreml');
  if (listed.has('webgpu') && webgpuUsable()) order.push('webgpu');
  order.push('cpu');
  return order;
}

export class ProviderListError extends Error {
  constructor(value: string) {
    super(`${EP_ENV}=${value}: unknown execution provider (use ${EXECUTION_PROVIDERS.join(', ')})`);
    this.name = 'ProviderListError';
  }
}

/** Parses a comma-separated provider list; cpu is appended as the final fallback when missing. */
export function parseProviderList(value: string): ExecutionProvider[] {
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0 || names.some((n) => !EXECUTION_PROVIDERS.includes(n as ExecutionProvider))) {
    throw new ProviderListError(value);
  }
  const list = names as ExecutionProvider[];
  return list.includes('cpu') ? list : [...list, 'cpu'];
}

/** The providers to try: an explicit list, else $ECG_AUDIT_EP, else what the platform offers. */
export function providerCandidates(explicit?: readonly ExecutionProvider[]): ExecutionProvider[] {
  if (explicit && explicit.length > 0) return explicit.includes('cpu') ? [...explicit] : [...explicit, 'cpu'];
  const env = process.env[EP_ENV];
  return env ? parseProviderList(env) : availableProviders();
}

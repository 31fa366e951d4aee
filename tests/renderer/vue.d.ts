/** Component tests import .vue files (compiled by @vitejs/plugin-vue in vitest); tsc sees them as components. */
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

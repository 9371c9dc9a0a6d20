import type { User } from './api.js';

// What the router (main.ts) hands a view and gets back; its own module so views need not import the router.

export interface View {
  /** Called on every live change while the view is shown. */
  refresh?(): void;
  dispose?(): void;
}

export interface ViewContext {
  user: User;
  root: HTMLElement;
  /** Path segments after the route name. */
  args: string[];
}

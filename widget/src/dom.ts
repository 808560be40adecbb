/**
 * JSX that makes real DOM elements, with no virtual DOM and no runtime (see docs/architecture.md: Preact
 * alone is 4.6 KB gzipped, two thirds of the all-in budget for an inline form). A form is built once; what
 * changes afterwards (errors, the busy button, the success panel) is set on its elements directly.
 *
 * Props become attributes (`true` as an empty attribute, `false`, null and undefined left out), `on*`
 * props listeners, `ref` a callback with the element. Children are appended as nodes or text, never as
 * HTML, so no config string or API answer can inject markup.
 */
type Child = Node | string | number | boolean | null | undefined | Child[];
type Props = Record<string, unknown> & { children?: Child };

export function h(tag: string | ((props: Props) => HTMLElement), props: Props | null, ...children: Child[]): HTMLElement {
  if (typeof tag != 'string') return tag({ ...props, children });
  const el = document.createElement(tag);
  for (const k in props) {
    const v = props[k];
    if (k == 'ref') (v as (el: HTMLElement) => void)(el);
    else if (k[0] == 'o' && k[1] == 'n') el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (v != null && v !== false) el.setAttribute(k, v === true ? '' : String(v));
  }
  el.append(
    ...(children.flat(9 as 1) as (Node | string | number | boolean | null | undefined)[]).filter((c) => c != null && c !== !!c).map((c) => c as Node | string),
  );
  return el;
}

// Global, so JSX also type-checks where `h` is a parameter (float.tsx gets it from the form's module).
declare global {
  namespace JSX {
    type Element = HTMLElement;
    interface IntrinsicElements {
      [tag: string]: Record<string, unknown>;
    }
  }
}

import { formView } from '../core/capture.js';
import type { FormView } from '../core/contracts.js';
import { UnknownFormError } from '../core/errors.js';
import type { Deps } from './deps.js';

/** The public definition of a form, for the widget to render, as the browser's A/B bucket sees it. @throws UnknownFormError */
export function getForm(deps: Pick<Deps, 'config' | 'clock'>, formId: string, bucket?: number): FormView {
  const found = deps.config.findForm(formId);
  if (!found) throw new UnknownFormError(formId);
  return formView(found.site, found.form, deps.clock.now(), bucket);
}

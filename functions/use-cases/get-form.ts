import { formView } from '../core/capture.js';
import type { FormView } from '../core/contracts.js';
import { UnknownFormError } from '../core/errors.js';
import type { Deps } from './deps.js';

/**
 * The public definition of a form, for the widget to render, as the browser's A/B bucket sees it, with
 * the proof its impression must carry to be counted. @throws UnknownFormError
 */
export async function getForm(deps: Pick<Deps, 'config' | 'clock' | 'impressionProofs'>, formId: string, bucket?: number): Promise<FormView> {
  const found = deps.config.findForm(formId);
  if (!found) throw new UnknownFormError(formId);
  const now = deps.clock.now();
  const view = formView(found.site, found.form, now, bucket);
  return { ...view, proof: await deps.impressionProofs.issue(found.site.id, formId, view.variant, now) };
}

import type { Command } from './command.ts';
import type { Translator } from './i18n.ts';

/** `/rate <course> <stars> [review…]`, derived from the declaration. */
export function usageOf(command: Command, commandPrefix = ''): string {
  const words = [`/${commandPrefix}${command.group ? `${command.group} ${command.name}` : command.name}`];
  for (const [name, spec] of Object.entries(command.options)) {
    const label = spec.choices ? spec.choices.join('|') : name;
    const shown = spec.rest ? `${label}…` : label;
    words.push(spec.required ? `<${shown}>` : `[${shown}]`);
  }
  return words.join(' ');
}

/** How a member types the command: `/course add` for the id `course.add`. */
export function commandLabel(command: Pick<Command, 'id'>, commandPrefix = ''): string {
  return `/${commandPrefix}${command.id.replace('.', ' ')}`;
}

/** Human-readable text for a help page: each option with its description and limits. */
export function describeOptions(command: Command, i18n: Translator): string[] {
  return Object.entries(command.options).map(([name, spec]) => {
    const parts = [i18n.t(`commands:${command.id}.options.${name}`)];
    if (spec.minValue !== undefined && spec.maxValue !== undefined) parts.push(i18n.t('common:range', { min: spec.minValue, max: spec.maxValue }));
    if (spec.list) parts.push(i18n.t('common:listLimit', { max: spec.list.maxItems }));
    else if (spec.maxLength !== undefined && spec.kind !== 'course') parts.push(i18n.t('common:lengthLimit', { max: spec.maxLength }));
    if (spec.choices) parts.push(spec.choices.join(' | '));
    return `${spec.required ? '' : '['}${name}${spec.required ? '' : ']'}: ${parts.join(' · ')}`;
  });
}

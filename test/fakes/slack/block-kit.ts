/**
 * Block Kit's documented limits, checked the way Slack refuses a payload (`invalid_blocks`),
 * written from Slack's reference independently of the adapter's own constants, so a renderer
 * bug cannot hide behind a shared number.
 */
export type Surface = 'message' | 'modal' | 'home';

type Json = Record<string, unknown>;

const MAX_BLOCKS: Record<Surface, number> = { message: 50, modal: 100, home: 100 };

export function blockKitProblems(blocks: unknown, surface: Surface): string[] {
  const problems: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks is not an array'];
  if (blocks.length > MAX_BLOCKS[surface]) problems.push(`${blocks.length} blocks > ${MAX_BLOCKS[surface]}`);
  const actionIds = new Set<string>();
  const blockIds = new Set<string>();
  blocks.forEach((raw, i) => {
    const block = raw as Json;
    const at = `block ${i} (${String(block.type)})`;
    if (typeof block.block_id === 'string') {
      if (block.block_id.length > 255) problems.push(`${at}: block_id > 255`);
      if (blockIds.has(block.block_id)) problems.push(`${at}: duplicate block_id ${block.block_id}`);
      blockIds.add(block.block_id);
    }
    const element = (e: unknown, where: string) => elementProblems(e as Json, `${at} ${where}`, actionIds, problems);
    switch (block.type) {
      case 'header':
        textProblems(block.text, `${at} text`, 150, problems, 'plain_text');
        break;
      case 'section': {
        if (block.text === undefined && block.fields === undefined) problems.push(`${at}: needs text or fields`);
        if (block.text !== undefined) textProblems(block.text, `${at} text`, 3000, problems);
        if (block.fields !== undefined) {
          const fields = block.fields as unknown[];
          if (!Array.isArray(fields) || fields.length === 0 || fields.length > 10) problems.push(`${at}: fields must be 1-10`);
          else fields.forEach((f, j) => textProblems(f, `${at} field ${j}`, 2000, problems));
        }
        if (block.accessory !== undefined) element(block.accessory, 'accessory');
        break;
      }
      case 'actions': {
        const elements = block.elements as unknown[];
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 25) problems.push(`${at}: elements must be 1-25`);
        else elements.forEach((e, j) => element(e, `element ${j}`));
        break;
      }
      case 'context': {
        const elements = block.elements as unknown[];
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10) problems.push(`${at}: elements must be 1-10`);
        else elements.forEach((e, j) => textProblems(e, `${at} element ${j}`, 3000, problems));
        break;
      }
      case 'divider':
        break;
      case 'image': {
        const url = block.image_url;
        if (typeof url !== 'string' || !/^https?:\/\//.test(url) || url.length > 3000) problems.push(`${at}: image_url must be an http(s) URL of at most 3000 characters`);
        if (typeof block.alt_text !== 'string' || block.alt_text.length === 0 || block.alt_text.length > 2000) problems.push(`${at}: alt_text must be 1-2000 characters`);
        if (block.title !== undefined) textProblems(block.title, `${at} title`, 2000, problems, 'plain_text');
        break;
      }
      case 'input': {
        if (surface === 'message') problems.push(`${at}: input blocks belong in views`);
        textProblems(block.label, `${at} label`, 2000, problems, 'plain_text');
        const input = block.element as Json;
        if (input?.type !== 'plain_text_input') problems.push(`${at}: unexpected element ${String(input?.type)}`);
        if (typeof input?.action_id !== 'string' || input.action_id.length > 255) problems.push(`${at}: bad action_id`);
        const max = typeof input?.max_length === 'number' ? input.max_length : 3000;
        if (max > 3000 || max < 1) problems.push(`${at}: max_length ${max}`);
        if (typeof input?.initial_value === 'string' && input.initial_value.length > max) problems.push(`${at}: initial_value longer than max_length`);
        if (input?.placeholder !== undefined) textProblems(input.placeholder, `${at} placeholder`, 150, problems, 'plain_text');
        break;
      }
      default:
        problems.push(`${at}: unexpected block type`);
    }
  });
  return problems;
}

export function viewProblems(view: unknown, surface: 'modal' | 'home'): string[] {
  const v = view as Json;
  const problems: string[] = [];
  if (v?.type !== surface) problems.push(`view type ${String(v?.type)} is not ${surface}`);
  if (surface === 'modal') {
    textProblems(v.title, 'title', 24, problems, 'plain_text');
    if (v.submit !== undefined) textProblems(v.submit, 'submit', 24, problems, 'plain_text');
    if (v.close !== undefined) textProblems(v.close, 'close', 24, problems, 'plain_text');
  }
  if (typeof v?.private_metadata === 'string' && v.private_metadata.length > 3000) problems.push('private_metadata > 3000');
  if (typeof v?.callback_id === 'string' && v.callback_id.length > 255) problems.push('callback_id > 255');
  problems.push(...blockKitProblems(v?.blocks, surface));
  return problems;
}

function elementProblems(e: Json, at: string, actionIds: Set<string>, problems: string[]): void {
  if (e?.type !== 'button') {
    problems.push(`${at}: unexpected element ${String(e?.type)}`);
    return;
  }
  textProblems(e.text, `${at} text`, 75, problems, 'plain_text');
  if (typeof e.action_id !== 'string' || e.action_id.length === 0 || e.action_id.length > 255) problems.push(`${at}: bad action_id`);
  else if (actionIds.has(e.action_id)) problems.push(`${at}: duplicate action_id ${e.action_id}`);
  else actionIds.add(e.action_id);
  if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > 2000)) problems.push(`${at}: value > 2000`);
  if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') problems.push(`${at}: style ${String(e.style)}`);
}

function textProblems(t: unknown, at: string, max: number, problems: string[], only?: 'plain_text' | 'mrkdwn'): void {
  const text = t as Json;
  if (!text || (text.type !== 'plain_text' && text.type !== 'mrkdwn')) {
    problems.push(`${at}: not a text object`);
    return;
  }
  if (only && text.type !== only) problems.push(`${at}: must be ${only}`);
  if (typeof text.text !== 'string' || text.text.length === 0) problems.push(`${at}: empty text`);
  else if (text.text.length > max) problems.push(`${at}: ${text.text.length} characters > ${max}`);
}

/** Every string a member could see in a payload: text objects, the fallback text, error messages. */
export function visibleTexts(payload: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, key: string | undefined) => {
    if (typeof node === 'string') {
      if (key === 'text' || key === 'errors') out.push(node);
      return;
    }
    if (Array.isArray(node)) {
      for (const item of node) walk(item, key);
      return;
    }
    if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'value' || k === 'private_metadata' || k === 'initial_value') continue;
        walk(v, key === 'errors' ? 'errors' : k);
      }
    }
  };
  walk(payload, undefined);
  return out;
}

/**
 * Slack control sequences (`<!channel>`, `<@U1>`, `<https://x|label>`) in visible text. The
 * only `<…>` allowed is a bare link that shows its own address: `<https://host/path>`.
 */
export function controlSequences(payload: unknown): string[] {
  const found: string[] = [];
  for (const text of visibleTexts(payload)) {
    for (const match of text.matchAll(/<[^>]*>?/g)) {
      if (!/^<https?:\/\/[^\s<>|]+>$/.test(match[0])) found.push(match[0]);
    }
  }
  return found;
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * Finds text written into the code where it reaches members, instead of coming from the
 * message catalog (issue 11: "no user text left as a string literal in commands, adapters or
 * jobs"). It reads the TypeScript syntax tree, so it looks at what a literal is used for, not
 * at every quoted string: log messages, errors for operators, ids and markup stay allowed.
 */

/** Properties whose value a member reads: Reply, Action, Field, Form, Discord and Block Kit payloads. */
export const MEMBER_PROPERTIES: ReadonlySet<string> = new Set([
  'label',
  'title',
  'text',
  'body',
  'lines',
  'description',
  'long_description',
  'placeholder',
  'footer',
  'content',
  'submitLabel',
  'intro',
  'name',
  'display_name',
  'value',
]);

/**
 * Calls whose arguments become a message: the core's reply(), discord.js answers, Bolt's
 * respond, Slack posts, the Messenger port, and the Block Kit text builders in render.ts.
 */
export const MEMBER_CALLS: ReadonlySet<string> = new Set([
  'reply',
  'makeReply',
  'errorReply',
  'respond',
  'followUp',
  'editReply',
  'update',
  'showModal',
  'postMessage',
  'postEphemeral',
  'directMessage',
  'postToChannel',
  'sendToMember',
  'header',
  'context',
  'plain',
  'mrkdwn',
]);

/** Adapters' renderers and the core's builders take text positionally: `renderForm(form, meta, 'Cancel')`. */
const MEMBER_CALL_PATTERN = /^(render|build)[A-Z]/;

export interface Finding {
  /** Path from the repository root, with forward slashes. */
  file: string;
  line: number;
  /** The literal as written, quotes included. */
  literal: string;
  why: 'prose' | 'not a catalog key';
}

const LOG_CALL = /(^|\.)(logger|log)\.(trace|debug|info|warn|error|fatal|child)$/;
const CATALOG_KEY = /^[a-z][A-Za-z]*:[\w.-]*$/;
const KEY_TAIL = /^[\w.-]*$/;
const LETTERS = /\p{L}{2,}/gu;
/** Han, kana and hangul letters (not CJK punctuation such as 「 」, which the parser uses as quotes). */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
/** One capitalised word and nothing else but symbols: `Cancel`, `Save`, `Next ▶`. */
const CAPITALISED_WORD = /^\P{L}*\p{Lu}\p{Ll}+\P{L}*$/u;
/** A word next to a space inside one piece of a template: `${n} courses`, `Added ${x}`. */
const WORD_BESIDE_SPACE = /\p{L}{2,}\s|\s\p{L}{2,}/u;

/**
 * Whether literal text reads as words for a person. Catalog keys (`ns:key`), ids
 * (`plain_text`, `syllabot_form`), URLs and symbols (★, ◀, ▶, —, …, ·) are not prose.
 * `pieces` are a template's fixed parts; a plain string is one piece.
 */
export function looksLikeProse(pieces: readonly string[]): boolean {
  const text = pieces.join('');
  if (/^\s*https?:\/\/\S*\s*$/.test(text)) return false;
  if (isCatalogKey(pieces)) return false;
  if (CJK.test(text)) return true;
  const words = text.match(LETTERS) ?? [];
  if (words.length === 0) return false;
  if (pieces.length > 1 && pieces.some((piece) => WORD_BESIDE_SPACE.test(piece))) return true;
  if (words.length >= 2 && /\p{L}[^\n]*\s[^\n]*\p{L}/u.test(text)) return true;
  return words.length === 1 && CAPITALISED_WORD.test(text);
}

function isCatalogKey(pieces: readonly string[]): boolean {
  return CATALOG_KEY.test(pieces[0] ?? '') && pieces.slice(1).every((piece) => KEY_TAIL.test(piece));
}

function literalPieces(node: ts.Node): string[] | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((span) => span.literal.text)];
  return undefined;
}

function calleeName(call: ts.CallExpression | ts.NewExpression): string {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return '';
}

function isTranslatorCall(node: ts.CallExpression): boolean {
  return ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 't' && node.arguments.length > 0;
}

/** Scans one source file; `file` is how findings name it. */
export function scanSource(file: string, source: string): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found = new Map<number, Finding>();
  const report = (node: ts.Node, why: Finding['why']) => {
    const start = node.getStart(sf);
    if (found.has(start)) return;
    found.set(start, { file, line: sf.getLineAndCharacterOfPosition(start).line + 1, literal: node.getText(sf), why });
  };

  /** An expression whose value a member reads: every literal that can flow into it is checked. */
  const reaching = (node: ts.Node | undefined): void => {
    if (!node) return;
    const pieces = literalPieces(node);
    if (pieces) {
      if (looksLikeProse(pieces)) report(node, 'prose');
      if (ts.isTemplateExpression(node)) for (const span of node.templateSpans) reaching(span.expression);
      return;
    }
    if (ts.isArrayLiteralExpression(node)) return node.elements.forEach(reaching);
    if (ts.isSpreadElement(node) || ts.isSpreadAssignment(node)) return reaching(node.expression);
    if (ts.isObjectLiteralExpression(node)) {
      for (const property of node.properties) {
        if (ts.isPropertyAssignment(property)) reaching(property.initializer);
        else if (ts.isSpreadAssignment(property)) reaching(property.expression);
      }
      return;
    }
    if (ts.isConditionalExpression(node)) return void (reaching(node.whenTrue), reaching(node.whenFalse));
    if (ts.isBinaryExpression(node)) return void (reaching(node.left), reaching(node.right));
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node) || ts.isSatisfiesExpression(node)) {
      return reaching(node.expression);
    }
    if (ts.isArrowFunction(node)) {
      if (!ts.isBlock(node.body)) return reaching(node.body);
      const returns = (n: ts.Node): void => {
        if (ts.isReturnStatement(n)) reaching(n.expression);
        else if (!ts.isFunctionLike(n)) ts.forEachChild(n, returns);
      };
      return returns(node.body);
    }
    if (ts.isCallExpression(node)) {
      if (LOG_CALL.test(node.expression.getText(sf))) return;
      if (isTranslatorCall(node)) {
        catalogKey(node.arguments[0]);
        // Interpolation values are shown too: `t('x', { reason: 'Because …' })` is text in code.
        return node.arguments.slice(1).forEach(reaching);
      }
      // Text passes through helpers (clip, stripControls, fitEscaped, join, map): follow it.
      if (ts.isPropertyAccessExpression(node.expression)) reaching(node.expression.expression);
      return node.arguments.forEach(reaching);
    }
    if (ts.isNewExpression(node) && !/Error$/.test(calleeName(node))) return (node.arguments ?? []).forEach(reaching);
  };

  /** The first argument of `i18n.t(…)`: whatever literal reaches it must be a `ns:key`. */
  const catalogKey = (node: ts.Node | undefined): void => {
    if (!node) return;
    const pieces = literalPieces(node);
    if (pieces) {
      if (!isCatalogKey(pieces)) report(node, 'not a catalog key');
      return;
    }
    if (ts.isConditionalExpression(node)) return void (catalogKey(node.whenTrue), catalogKey(node.whenFalse));
    if (ts.isBinaryExpression(node) && node.operatorToken.kind !== ts.SyntaxKind.PlusToken) {
      return void (catalogKey(node.left), catalogKey(node.right));
    }
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) catalogKey(node.expression);
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    // Logs and errors are for operators, not members.
    if (ts.isCallExpression(node) && LOG_CALL.test(node.expression.getText(sf))) return;
    if (ts.isNewExpression(node) && /Error$/.test(calleeName(node))) return;
    if (ts.isPropertyAssignment(node) && MEMBER_PROPERTIES.has(propertyName(node.name))) reaching(node.initializer);
    if (ts.isCallExpression(node)) {
      const callee = calleeName(node);
      if (MEMBER_CALLS.has(callee) || MEMBER_CALL_PATTERN.test(callee)) node.arguments.forEach(reaching);
      if (isTranslatorCall(node)) {
        catalogKey(node.arguments[0]);
        node.arguments.slice(1).forEach(reaching);
      }
    }
    // Han or kana outside the catalog is text for a member wherever it is.
    const pieces = literalPieces(node);
    if (pieces && CJK.test(pieces.join(''))) report(node, 'prose');
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return [...found.values()].sort((a, b) => a.line - b.line);
}

function propertyName(name: ts.PropertyName): string {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : '';
}

/** Every `.ts` file under the given folders of the repository. */
export function sourceFiles(root: string, folders: readonly string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return walk(path);
      return entry.endsWith('.ts') && !entry.endsWith('.d.ts') ? [path] : [];
    });
  return folders.flatMap((folder) => walk(join(root, folder))).map((path) => relative(root, path).split(sep).join('/'));
}

export function scanFiles(root: string, files: readonly string[]): Finding[] {
  return files.flatMap((file) => scanSource(file, readFileSync(join(root, file), 'utf8')));
}

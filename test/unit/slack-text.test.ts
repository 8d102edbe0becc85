import { describe, expect, it } from 'vitest';
import { decodeCommandText, escapeText, fitEscaped, fitMarkup } from '../../adapters/slack/text.ts';
import { decodeFormMetadata, decodeInvocation, encodeFormMetadata, encodeInvocation } from '../../adapters/slack/invocation.ts';
import { scrub } from '../../adapters/slack/bolt-logger.ts';

describe('Slack text in and out', () => {
  it('escapes exactly &, < and > for mrkdwn', () => {
    expect(escapeText('<!channel> & <@U1> "q" \'s\'')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt; "q" \'s\'');
  });

  it('drops ANSI escape sequences, control characters and bidi overrides, keeping tabs and newlines', () => {
    expect(escapeText('@everyone <!channel> \u001b[31mred\u0007\tx\ny \u202eevil\u202c')).toBe('@everyone &lt;!channel&gt; red\tx\ny evil');
    expect(fitEscaped('\u001b[1m' + 'a'.repeat(20), 10)).toBe('aaaaaaaaa…');
  });

  it('given text too long once escaped, then fitEscaped cuts between characters and marks the cut', () => {
    const out = fitEscaped('&&&&&&&&&&', 12);
    expect(out.length).toBeLessThanOrEqual(12);
    expect(out).toBe('&amp;&amp;…');
    expect(fitEscaped('😀😀😀😀', 5)).toBe('😀😀…');
    expect(fitEscaped('short', 10)).toBe('short');
    expect(fitMarkup('*a* &amp;&amp;&amp;', 10)).toBe('*a* &amp;…');
  });

  it.each([
    ['title:"Rust &amp; Go" &lt;b&gt;', 'title:"Rust & Go" <b>'],
    ['&amp;lt; stays literal', '&lt; stays literal'],
    ['ping <!channel> and <!here> and <!everyone>', 'ping @channel and @here and @everyone'],
    ['for <@U123|ana> and <@U456>', 'for @ana and @U456'],
    ['team <!subteam^S1|@devs>', 'team @devs'],
    ['url:<https://example.com/a?b=1&amp;c=2>', 'url:https://example.com/a?b=1&c=2'],
    ['url:<http://example.com|example.com>', 'url:http://example.com'],
    ['mail <mailto:a@b.c|a@b.c>', 'mail a@b.c'],
    ['channel:<#C0DIGEST|digest>', 'channel:<#C0DIGEST|digest>'],
    ['date <!date^1392734382^{date}|Feb 18>', 'date Feb 18'],
  ])('decodes slash command text %j as what the member typed', (raw, typed) => {
    expect(decodeCommandText(raw)).toBe(typed);
  });
});

describe('button values and modal metadata', () => {
  it('round-trips an invocation and refuses what we did not write', () => {
    const value = encodeInvocation({ command: 'course.edit', options: { course: '3', page: 2, flag: true } })!;
    expect(decodeInvocation(value)).toEqual({ command: 'course.edit', options: { course: '3', page: 2, flag: true } });
    for (const bad of [undefined, '', 'not json', '{"v":2,"c":"enroll","o":{}}', '{"v":1,"c":"Enroll!","o":{}}', '{"v":1,"c":"enroll","o":{"Bad Key":1}}', '{"v":1,"c":"enroll","o":{"x":{"nested":1}}}', 'x'.repeat(2001)]) {
      expect(decodeInvocation(bad), String(bad)).toBeUndefined();
    }
  });

  it('given an invocation over 2000 characters, then there is no value for it', () => {
    expect(encodeInvocation({ command: 'courses', options: { query: 'q'.repeat(1990) } })).toBeUndefined();
  });

  it('round-trips form metadata with the channel and refuses malformed metadata', () => {
    const value = encodeFormMetadata({ command: 'course.edit', options: { course: '7' }, channelId: 'C0123' })!;
    expect(decodeFormMetadata(value)).toEqual({ command: 'course.edit', options: { course: '7' }, channelId: 'C0123' });
    expect(decodeFormMetadata(encodeFormMetadata({ command: 'course.add', options: {} }))).toEqual({ command: 'course.add', options: {} });
    expect(decodeFormMetadata('{"v":1,"c":"course.add","o":{},"ch":"not a channel"}')).toBeUndefined();
    expect(decodeFormMetadata('[]')).toBeUndefined();
  });
});

describe('Bolt log lines', () => {
  it('blank Slack tokens and token fields before they reach the log', () => {
    expect(scrub('Received {"token":"abc123","team":"T1"} with xoxb-1-2-secret and xapp-1-A-2-s3cr3t')).toBe(
      'Received {"token":"[redacted]","team":"T1"} with [redacted] and [redacted]',
    );
  });
});

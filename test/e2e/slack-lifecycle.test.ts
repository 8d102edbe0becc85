import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startSlackHarness, USERS } from '../fakes/slack/harness.ts';
import { headerText } from '../fakes/slack/blocks.ts';

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/slack/events', method: 'POST', agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

describe('Slack adapter lifecycle and configuration', () => {
  it('given SLACK_COMMAND_PREFIX=sb, then /sb-courses works and an unprefixed /courses is unknown', async () => {
    const h = await startSlackHarness({ prefix: 'sb' });
    try {
      const added = h.responses.newUrl();
      await h.client.sendForm(h.client.commandBody({ command: '/sb-course', text: 'add title:"Prefixed"', userId: USERS.admin.id, responseUrl: added }));
      const listed = h.responses.newUrl();
      await h.client.sendForm(h.client.commandBody({ command: '/sb-courses', text: '', userId: USERS.member.id, responseUrl: listed }));
      const unprefixed = h.responses.newUrl();
      const ack = await h.client.sendForm(h.client.commandBody({ command: '/courses', text: '', userId: USERS.member.id, responseUrl: unprefixed }));
      await h.adapter.whenIdle();
      expect(headerText(h.responses.postsTo(added)[0]?.body)).toBe('✅ Added #1 Prefixed.');
      expect(JSON.stringify(h.responses.postsTo(listed)[0]?.body)).toContain('#1 Prefixed');
      // Replies name commands as this workspace types them; what members typed stays as typed.
      expect(JSON.stringify(h.responses.postsTo(listed)[0]?.body)).toContain('/sb-enroll &lt;number&gt; to join · /sb-score &lt;number&gt;');
      const typed = h.responses.newUrl();
      await h.client.sendForm(h.client.commandBody({ command: '/sb-course', text: 'add title:"/enroll 1 now"', userId: USERS.admin.id, responseUrl: typed }));
      const wrong = h.responses.newUrl();
      await h.client.sendForm(h.client.commandBody({ command: '/sb-rate', text: '1 9', userId: USERS.member.id, responseUrl: wrong }));
      await h.adapter.whenIdle();
      expect(headerText(h.responses.postsTo(typed)[0]?.body)).toBe('✅ Added #2 /enroll 1 now.');
      expect(JSON.stringify(h.responses.postsTo(wrong)[0]?.body)).toContain('Usage: /sb-rate &lt;course&gt; &lt;stars&gt; [review…]');
      // A command the app does not serve under this prefix is acked and answered, not left to time out.
      expect(ack.status).toBe(200);
      expect(h.responses.postsTo(unprefixed).map((p) => p.body.response_type)).toEqual(['ephemeral']);
      expect(JSON.stringify(h.responses.postsTo(unprefixed)[0]?.body)).toContain('There\'s no command “/courses”.');
      expect(JSON.stringify(h.responses.postsTo(unprefixed)[0]?.body)).toContain('Type /sb-help to see every command.');
    } finally {
      await h.close();
    }
  });

  it('given a started adapter, when it stops, then its server closes, health says so, 2nd stop harmless', async () => {
    const h = await startSlackHarness();
    const port = h.adapter.port()!;
    expect(h.adapter.health()).toEqual({ ok: true, detail: `http :${port}/slack/events` });
    expect(await connects(port)).toBe(true);
    await h.close();
    expect(await connects(port)).toBe(false);
    expect(h.adapter.health()).toEqual({ ok: false, detail: 'stopped' });
    expect(h.adapter.port()).toBeUndefined();
    await h.adapter.stop();
  });
});

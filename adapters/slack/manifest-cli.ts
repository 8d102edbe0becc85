import { buildSlackManifest, type ManifestOptions } from './manifest.ts';

/** What printing the manifest needs, built by the composition root; the URL comes from the command line. */
export type SlackManifestConfig = Omit<ManifestOptions, 'url'>;

export interface ManifestStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * `syllabot slack-manifest --url https://your.host` prints the app manifest as JSON on stdout
 * (paste it into api.slack.com/apps → Create New App → From a manifest). Without --url it
 * prints a Socket Mode manifest and says so on stderr. In OAuth mode the manifest also names
 * the redirect URL installs come back to, and --url is required.
 */
export async function printSlackManifest(
  args: { url?: string | undefined },
  config: SlackManifestConfig,
  streams: ManifestStreams = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const oauth = config.oauth === true;
  if (oauth && !args.url) {
    // Socket Mode cannot take installs: Slack sends each installer's browser back to a public URL.
    streams.stderr.write('Slack OAuth mode (SLACK_CLIENT_ID) needs --url: Slack sends installers back to <url>/slack/oauth_redirect. Run: syllabot slack-manifest --url https://your.host\n');
    return 1;
  }
  let manifest;
  try {
    manifest = buildSlackManifest({ ...config, url: args.url });
  } catch (error) {
    streams.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if (!args.url) {
    streams.stderr.write('No --url given: this manifest uses Socket Mode (set SLACK_APP_TOKEN). For HTTP, run: syllabot slack-manifest --url https://your.host\n');
  }
  streams.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
  return 0;
}

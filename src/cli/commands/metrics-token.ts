// metrics:token: the scrape token a Prometheus server sends to GET /metrics (admin only; a Berth
// extension: Heroku has no Prometheus endpoint). README "Scrape Berth with Prometheus" shows its use.
import { defineCommand } from '../command.js';

export const metricsToken = defineCommand({
  name: 'metrics:token',
  description: "print the token Prometheus scrapes Berth's /metrics with (admin only)",
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  examples: ['berth metrics:token > /etc/prometheus/berth-token'],
  async run(ctx, input) {
    const scrape = await ctx.client().metricsScrapeToken();
    if (input.flags.json) return ctx.out.json(scrape);
    // The bare token, so that it can go straight into the file a scrape config names.
    ctx.out.line(scrape.token);
  },
});

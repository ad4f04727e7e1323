import fp from 'fastify-plugin'
import { createJobs } from '../jobs/index.js'
import type { JobOptions } from '../jobs/index.js'

export type JobsPluginOptions = Pick<JobOptions, 'retentionIntervalMs' | 'reconcileIntervalMs'>

/**
 * The background jobs (jobs/index.ts) and their lifecycle: they start once the app is ready and stop when
 * it closes, releasing their locks so another instance takes over at once. What they do is counted.
 */
export const jobsPlugin = fp<JobsPluginOptions>(
  async (app, options) => {
    const { metrics } = app.services
    const jobs = createJobs(
      app.services,
      app.log,
      {
        onSweep: (report) => metrics.swept(report),
        onExpired: (holds) => metrics.expired(holds),
        onLeadership: (job, leading) => metrics.leadership(job, leading),
        onDrift: (_eventId, report) => metrics.healed(report),
      },
      options,
    )
    app.addHook('onReady', async () => jobs.forEach((job) => job.start()))
    app.addHook('onClose', async () => {
      await Promise.all(jobs.map((job) => job.stop()))
    })
  },
  { name: 'seatlock-jobs', dependencies: ['seatlock-services'] },
)

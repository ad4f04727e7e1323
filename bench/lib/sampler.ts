/** Samples a child's RSS while a measurement runs. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined
  peak = 0

  constructor(private readonly read: () => number) {}

  start(intervalMs = 200): void {
    this.peak = Math.max(this.peak, this.read())
    this.timer = setInterval(() => {
      this.peak = Math.max(this.peak, this.read())
    }, intervalMs)
  }

  stop(): number {
    clearInterval(this.timer)
    this.peak = Math.max(this.peak, this.read())
    return this.peak
  }
}

export function mib(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10
}

// Preloaded into a soak replica (node --require): its clock runs SOAK_CLOCK_SKEW_MS ahead (or behind) the
// machine's, as a replica on another host would. Date.now() and `new Date()` follow it; timers do not need to.
const skew = Number(process.env.SOAK_CLOCK_SKEW_MS || 0);
if (skew) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class SkewedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(realNow() + skew);
      else super(...args);
    }
    static now() {
      return realNow() + skew;
    }
  }
  globalThis.Date = SkewedDate;
}

/** The part of jStat (no published types) the statistics tests check Funnel's maths against. */
declare module 'jstat' {
  export const jStat: {
    normal: { cdf(x: number, mean: number, sd: number): number; inv(p: number, mean: number, sd: number): number };
    chisquare: { cdf(x: number, dof: number): number };
  };
}

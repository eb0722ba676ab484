/** The one jstat function the gate calls (jstat ships no types). */
declare module 'jstat' {
  const jStat: {
    studentt: {
      /** The p-quantile of Student's t with `dof` degrees of freedom (any positive real). */
      inv(p: number, dof: number): number;
    };
  };
  export default jStat;
}

/**
 * kube-scheduler's default weights of the score plugins that carry preferences (pkg/scheduler/apis/config/v1,
 * getDefaultPlugins): a violation of a preference costs its plugin's weight times the term's own weight (1 for a
 * spread constraint or a taint) in the objective's preferences part.
 */
export const SCORE_WEIGHTS = {
  /** preferred node affinity */
  nodeAffinity: 2,
  /** preferred pod affinity and anti-affinity */
  interPodAffinity: 2,
  /** ScheduleAnyway topology spread, and the system default spreading */
  podTopologySpread: 2,
  /** PreferNoSchedule taints */
  taintToleration: 3,
} as const;

/** kube-scheduler's system default spreading (podtopologyspread, systemDefaultConstraints): ScheduleAnyway. */
export const DEFAULT_SPREADING = [
  { topologyKey: 'kubernetes.io/hostname', maxSkew: 3 },
  { topologyKey: 'topology.kubernetes.io/zone', maxSkew: 5 },
] as const;

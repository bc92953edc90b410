// kube-router's policy routing tables and rule priorities (kube-router-facts.md §1, §2; unchanged since <= v1.4.0).
export const OVERLAY_TABLE = 77
export const DSR_TABLE = 78
export const EXTERNAL_IP_TABLE = 79

export const DSR_FWMARK_RULE_PRIORITY = 32764
export const EXTERNAL_IP_RULE_PRIORITY = 32765

/** Names kube-router writes to rt_tables; rules and routes use the numbers, so `ip rule` may show either (§2.3). */
export const TABLE_NAMES: Readonly<Record<number, string>> = {
  [OVERLAY_TABLE]: 'kube-router',
  [DSR_TABLE]: 'kube-router-dsr',
  [EXTERNAL_IP_TABLE]: 'external_ip',
}

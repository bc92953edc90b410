// kube-router's policy routing tables and rule priorities (kube-router-facts.md §1, §2; unchanged since <= v1.4.0).
export const OVERLAY_TABLE = 77
export const DSR_TABLE = 78
export const EXTERNAL_IP_TABLE = 79

export const DSR_FWMARK_RULE_PRIORITY = 32764
export const EXTERNAL_IP_RULE_PRIORITY = 32765

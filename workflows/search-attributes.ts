import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Typed search attributes: what people filter on in the Temporal Web UI. Registered at start-up. */
export const DEVICE_ATTRIBUTE = defineSearchAttributeKey('InfraDevice', SearchAttributeType.KEYWORD);
export const DATA_TYPE_ATTRIBUTE = defineSearchAttributeKey('InfraDataType', SearchAttributeType.KEYWORD);
export const TRIGGER_ATTRIBUTE = defineSearchAttributeKey('InfraTrigger', SearchAttributeType.KEYWORD);

export const RISK_LEVEL_ATTRIBUTE = defineSearchAttributeKey('InfraRiskLevel', SearchAttributeType.KEYWORD);
export const OPERATION_STATE_ATTRIBUTE = defineSearchAttributeKey('InfraOperationState', SearchAttributeType.KEYWORD);
/** Principal ids (`token:<id>`, `local`, `mcp-session:<id>`...): who asked, and who released a held operation. */
export const REQUESTER_ATTRIBUTE = defineSearchAttributeKey('InfraRequester', SearchAttributeType.KEYWORD);
export const CONFIRMER_ATTRIBUTE = defineSearchAttributeKey('InfraConfirmer', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [
  DEVICE_ATTRIBUTE,
  DATA_TYPE_ATTRIBUTE,
  TRIGGER_ATTRIBUTE,
  RISK_LEVEL_ATTRIBUTE,
  OPERATION_STATE_ATTRIBUTE,
  REQUESTER_ATTRIBUTE,
  CONFIRMER_ATTRIBUTE,
];

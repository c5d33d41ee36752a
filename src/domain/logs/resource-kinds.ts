/** The kinds of configuration resource the log store keeps (LogStore.putResource), one name each. */
export const LOG_RESOURCE = {
  metricFilter: 'metricFilter',
  subscriptionFilter: 'subscriptionFilter',
  destination: 'destination',
  resourcePolicy: 'resourcePolicy',
  deliverySource: 'deliverySource',
  deliveryDestination: 'deliveryDestination',
  delivery: 'delivery',
  queryDefinition: 'queryDefinition',
} as const;

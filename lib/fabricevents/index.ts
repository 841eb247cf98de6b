// The chaincode event wire format, shared by the chaincode (which sets the events) and the facade (which reads them).
export { assignEventIds, eventId } from './eventid.js';
export { CHAINCODE_EVENT_NAME, decodeEventPayload, encodeEventPayload, eventsOfPayload } from './payload.js';

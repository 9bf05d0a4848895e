// Names for the UIDs and codes seen in DICOM association negotiation: common SOP classes
// (PS3.4 annex B/C/F/K/J), transfer syntaxes (PS3.5 §10, annex A) and A-ASSOCIATE-RJ /
// A-ABORT reasons (PS3.8 §9.3.4, §9.3.8).

const UIDS: ReadonlyMap<string, string> = new Map([
  ['1.2.840.10008.3.1.1.1', 'DICOM Application Context'],
  ['1.2.840.10008.1.1', 'Verification'],
  ['1.2.840.10008.5.1.4.1.1.1', 'CR Image Storage'],
  ['1.2.840.10008.5.1.4.1.1.1.1', 'DX Image Storage - For Presentation'],
  ['1.2.840.10008.5.1.4.1.1.1.1.1', 'DX Image Storage - For Processing'],
  ['1.2.840.10008.5.1.4.1.1.1.2', 'Mammography Image Storage - For Presentation'],
  ['1.2.840.10008.5.1.4.1.1.2', 'CT Image Storage'],
  ['1.2.840.10008.5.1.4.1.1.2.1', 'Enhanced CT Image Storage'],
  ['1.2.840.10008.5.1.4.1.1.3.1', 'US Multi-frame Image Storage'],
  ['1.2.840.10008.5.1.4.1.1.4', 'MR Image Storage'],
  ['1.2.840.10008.5.1.4.1.1.4.1', 'Enhanced MR Image Storage'],
  ['1.2.840.10008.5.1.4.1.1.6.1', 'US Image Storage'],
  ['1.2.840.10008.5.1.4.1.1.7', 'Secondary Capture Image Storage'],
  ['1.2.840.10008.5.1.4.1.1.9.1.1', '12-lead ECG Waveform Storage'],
  ['1.2.840.10008.5.1.4.1.1.12.1', 'X-Ray Angiographic Image Storage'],
  ['1.2.840.10008.5.1.4.1.1.20', 'NM Image Storage'],
  ['1.2.840.10008.5.1.4.1.1.88.11', 'Basic Text SR Storage'],
  ['1.2.840.10008.5.1.4.1.1.104.1', 'Encapsulated PDF Storage'],
  ['1.2.840.10008.5.1.4.1.1.128', 'PET Image Storage'],
  ['1.2.840.10008.5.1.4.31', 'Modality Worklist Information Model - FIND'],
  ['1.2.840.10008.5.1.4.1.2.1.1', 'Patient Root Q/R - FIND'],
  ['1.2.840.10008.5.1.4.1.2.1.2', 'Patient Root Q/R - MOVE'],
  ['1.2.840.10008.5.1.4.1.2.1.3', 'Patient Root Q/R - GET'],
  ['1.2.840.10008.5.1.4.1.2.2.1', 'Study Root Q/R - FIND'],
  ['1.2.840.10008.5.1.4.1.2.2.2', 'Study Root Q/R - MOVE'],
  ['1.2.840.10008.5.1.4.1.2.2.3', 'Study Root Q/R - GET'],
  ['1.2.840.10008.1.20.1', 'Storage Commitment Push Model'],
  ['1.2.840.10008.3.1.2.3.3', 'Modality Performed Procedure Step'],
  // Transfer syntaxes
  ['1.2.840.10008.1.2', 'Implicit VR Little Endian'],
  ['1.2.840.10008.1.2.1', 'Explicit VR Little Endian'],
  ['1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian'],
  ['1.2.840.10008.1.2.2', 'Explicit VR Big Endian'],
  ['1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)'],
  ['1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)'],
  ['1.2.840.10008.1.2.4.57', 'JPEG Lossless'],
  ['1.2.840.10008.1.2.4.70', 'JPEG Lossless SV1'],
  ['1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless'],
  ['1.2.840.10008.1.2.4.81', 'JPEG-LS Near-Lossless'],
  ['1.2.840.10008.1.2.4.90', 'JPEG 2000 Lossless'],
  ['1.2.840.10008.1.2.4.91', 'JPEG 2000'],
  ['1.2.840.10008.1.2.5', 'RLE Lossless'],
]);

/** Name of a SOP class, transfer syntax or application context UID. */
export function uidName(uid: string): string | undefined {
  return UIDS.get(uid);
}

const RJ_RESULT = ['', 'rejected-permanent', 'rejected-transient'];
const RJ_SOURCE = ['', 'service-user', 'service-provider-acse', 'service-provider-presentation'];
const RJ_REASON: readonly (readonly string[])[] = [
  [],
  [
    '',
    'no-reason-given',
    'application-context-name-not-supported',
    'calling-AE-title-not-recognized',
    '',
    '',
    '',
    'called-AE-title-not-recognized',
  ],
  ['', 'no-reason-given', 'protocol-version-not-supported'],
  ['', 'temporary-congestion', 'local-limit-exceeded'],
];

/** 'rejected-permanent/service-user/called-AE-title-not-recognized' (PS3.8 table 9-21). */
export function rejectText(result: number, source: number, reason: number): string {
  const r = RJ_RESULT[result] || `result-${result}`;
  const s = RJ_SOURCE[source] || `source-${source}`;
  const why = RJ_REASON[source]?.[reason] || `reason-${reason}`;
  return `${r}/${s}/${why}`;
}

const ABORT_REASON = [
  'reason-not-specified',
  'unrecognized-PDU',
  'unexpected-PDU',
  '',
  'unrecognized-PDU-parameter',
  'unexpected-PDU-parameter',
  'invalid-PDU-parameter-value',
];

/** 'service-provider/unexpected-PDU' (PS3.8 table 9-26); the reason only means something from the provider. */
export function abortText(source: number, reason: number): string {
  if (source === 0) return 'service-user';
  if (source === 2) return `service-provider/${ABORT_REASON[reason] || `reason-${reason}`}`;
  return `source-${source}`;
}

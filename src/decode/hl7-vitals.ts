// IEEE 11073-10101 nomenclature codes (MDC, partition 2 "SCADA", code = 2^16 * 2 + term code)
// as sent in OBX-3 by IHE PCD-01 devices, mapped to the named vitals the console shows.
// Codes from the IEEE 11073-10101 tables (RTMMS); several codes may map to one vital
// (e.g. tympanic, body and generic temperature all read as 'temp').

const VITALS: ReadonlyMap<string, string> = new Map([
  ['150456', 'spo2'], // MDC_PULS_OXIM_SAT_O2
  ['149530', 'pulse'], // MDC_PULS_OXIM_PULS_RATE
  ['147842', 'hr'], // MDC_ECG_HEART_RATE
  ['150021', 'nibp-sys'], // MDC_PRESS_BLD_NONINV_SYS
  ['150022', 'nibp-dia'], // MDC_PRESS_BLD_NONINV_DIA
  ['150023', 'nibp-mean'], // MDC_PRESS_BLD_NONINV_MEAN
  ['150037', 'abp-sys'], // MDC_PRESS_BLD_ART_ABP_SYS
  ['150038', 'abp-dia'], // MDC_PRESS_BLD_ART_ABP_DIA
  ['150039', 'abp-mean'], // MDC_PRESS_BLD_ART_ABP_MEAN
  ['150344', 'temp'], // MDC_TEMP
  ['150364', 'temp'], // MDC_TEMP_BODY
  ['188448', 'temp'], // MDC_TEMP_TYMP
  ['151562', 'resp'], // MDC_RESP_RATE
  ['151594', 'resp'], // MDC_TTHOR_RESP_RATE (impedance pneumography)
  ['151708', 'etco2'], // MDC_AWAY_CO2_ET
]);

/** Named vital for an OBX-3 identifier, when it is a known MDC code. */
export function vitalFor(code: string): string | undefined {
  return VITALS.get(code);
}

/** The MDC code → vital table (read-only), for documentation and the console legend. */
export const MDC_VITALS: ReadonlyMap<string, string> = VITALS;

/**
 * Which S3 objects are Contact Lens voice analysis files, and of which contact. AWS's "Output file
 * locations" page: `Analysis/Voice/YYYY/MM/DD/<contact id>_analysis_<time>.json` (raw) and
 * `Analysis/Voice/Redacted/YYYY/MM/DD/<contact id>_analysis_redacted_<time>.json`; the redacted
 * audio (`..._call_recording_redacted_...wav`) sits beside the redacted file.
 */
export interface AnalysisObject {
  contactId: string;
  redacted: boolean;
}

const VOICE_ANALYSIS_KEY = /^Analysis\/Voice\/(Redacted\/)?\d{4}\/\d{2}\/\d{2}\/([0-9A-Za-z-]+)_analysis_(redacted_)?[^/]*\.json$/;

/** The contact and twin an object key names, or undefined when it is not a voice analysis file. */
export function analysisObjectOf(key: string): AnalysisObject | undefined {
  const match = VOICE_ANALYSIS_KEY.exec(key);
  if (!match) return undefined;
  const inRedactedFolder = match[1] !== undefined;
  const redactedName = match[3] !== undefined;
  // A redacted name outside Redacted/ (or the reverse) is not a layout AWS writes.
  if (inRedactedFolder !== redactedName) return undefined;
  return { contactId: match[2]!, redacted: inRedactedFolder };
}

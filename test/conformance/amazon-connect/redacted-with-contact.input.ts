import { contactLensRedacted, describedContact } from '../../fixtures/sources/aws/contact-lens';

/** The redacted twin of raw-with-contact: the same call, `[PII]` in the text, no link to the (unredacted) recording. */
export default { contact: describedContact, transcript: contactLensRedacted };

import { contactLensChat, describedContact } from '../../fixtures/sources/aws/contact-lens';

/** A chat contact's analysis file is not a call: refused by its Channel (the Connect Lambda skips such files before ingest). */
export default { contact: { ...describedContact, Channel: 'CHAT' }, transcript: contactLensChat };

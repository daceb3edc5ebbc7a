import { contactLensOpaqueParticipants, describedBotContact } from '../../fixtures/sources/aws/contact-lens';

/** Opaque participant ids, a SYSTEM (Lex bot) side; the contact has no AgentInfo, so offsets count from the recording's start. */
export default { contact: describedBotContact, transcript: contactLensOpaqueParticipants };

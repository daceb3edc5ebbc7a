import { contactLensRaw, describedContact } from '../../fixtures/sources/aws/contact-lens';

/** What the Connect Lambda builds: the raw analysis file and DescribeContact's Contact, nothing else. */
export default { contact: describedContact, transcript: contactLensRaw };

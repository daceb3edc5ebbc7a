import { novaOrderStatusWithTool } from '../../fixtures/sources/stacks/nova-sonic/calls';

export default novaOrderStatusWithTool;

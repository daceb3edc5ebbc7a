/** The push's settings from CEKURA_* environment variables. */
import { cekuraConfigFromEnv, describeCekuraConfig } from '../../../lib/cekura-push/settings';

describe('cekuraConfigFromEnv', () => {
  it('is off without CEKURA_AGENT_ID, CEKURA_AGENTS or CEKURA_PUSH=on', () => {
    expect(cekuraConfigFromEnv({})).toBeUndefined();
    expect(cekuraConfigFromEnv({ CEKURA_AGENT_ID: ' ', CEKURA_AGENTS: '' })).toBeUndefined();
    expect(cekuraConfigFromEnv({ CEKURA_AGENT_ID: '7', CEKURA_PUSH: 'off' })).toBeUndefined();
  });

  it('has defaults: the public webhook and API, relative seconds, a 10-minute window, run lookup on', () => {
    expect(cekuraConfigFromEnv({ CEKURA_AGENT_ID: '7' })).toEqual({
      agentId: 7,
      agents: {},
      url: 'https://api.cekura.ai/test_framework/custom-provider-transcript-webhook/',
      messageTimes: 'relative-seconds',
      pushWindowMinutes: 10,
      runLookup: { apiBaseUrl: 'https://api.cekura.ai' },
    });
  });

  it('is on with a number map only, or with CEKURA_PUSH=on alone (calls carry their agent_id)', () => {
    expect(cekuraConfigFromEnv({ CEKURA_AGENTS: '{"+14155550100": 12}' })).toMatchObject({ agentId: undefined, agents: { '+14155550100': 12 } });
    expect(cekuraConfigFromEnv({ CEKURA_PUSH: 'on' })).toMatchObject({ agentId: undefined, agents: {} });
    expect(cekuraConfigFromEnv({ CEKURA_PUSH: 'ON', CEKURA_AGENT_ID: '3' })).toMatchObject({ agentId: 3 });
  });

  it('reads every setting', () => {
    const config = cekuraConfigFromEnv({
      CEKURA_AGENT_ID: '7',
      CEKURA_MESSAGE_TIMES: 'epoch-ms',
      CEKURA_PUSH_WINDOW_MINUTES: '60',
      CEKURA_WEBHOOK_URL: 'http://127.0.0.1:9/hook/',
      CEKURA_API_BASE_URL: 'https://sandbox.example.com/',
    });
    expect(config).toMatchObject({
      messageTimes: 'epoch-ms',
      pushWindowMinutes: 60,
      url: 'http://127.0.0.1:9/hook/',
      runLookup: { apiBaseUrl: 'https://sandbox.example.com' },
    });
    expect(cekuraConfigFromEnv({ CEKURA_AGENT_ID: '7', CEKURA_RUN_LOOKUP: 'off' })!.runLookup).toBeUndefined();
  });

  it('refuses malformed values, naming the variable', () => {
    expect(() => cekuraConfigFromEnv({ CEKURA_AGENT_ID: 'x' })).toThrow(/^CEKURA_AGENT_ID: .*positive integer/);
    expect(() => cekuraConfigFromEnv({ CEKURA_AGENT_ID: '7', CEKURA_MESSAGE_TIMES: 'ms' })).toThrow(/^CEKURA_MESSAGE_TIMES: .*relative-seconds/);
    expect(() => cekuraConfigFromEnv({ CEKURA_AGENT_ID: '7', CEKURA_PUSH_WINDOW_MINUTES: '0' })).toThrow(/^CEKURA_PUSH_WINDOW_MINUTES: /);
    expect(() => cekuraConfigFromEnv({ CEKURA_AGENTS: '{"+1": 3}' })).toThrow(/^CEKURA_AGENTS: "\+1" is not an E\.164/);
    expect(() => cekuraConfigFromEnv({ CEKURA_PUSH: 'yes' })).toThrow('CEKURA_PUSH: must be "on" or "off", got "yes"');
    expect(() => cekuraConfigFromEnv({ CEKURA_AGENT_ID: '7', CEKURA_RUN_LOOKUP: 'false' })).toThrow(/^CEKURA_RUN_LOOKUP: must be "on" or "off"/);
    expect(() => cekuraConfigFromEnv({ CEKURA_AGENT_ID: '7', CEKURA_API_BASE_URL: 'http://api.cekura.ai' })).toThrow(/^CEKURA_API_BASE_URL: .*https/);
    expect(() => cekuraConfigFromEnv({ CEKURA_AGENT_ID: '7', CEKURA_WEBHOOK_URL: 'http://api.cekura.ai/hook' })).toThrow(
      /^CEKURA_WEBHOOK_URL must be an https URL/,
    );
  });

  it('describes itself in one line, without the key', () => {
    expect(
      describeCekuraConfig(cekuraConfigFromEnv({ CEKURA_AGENT_ID: '7', CEKURA_AGENTS: '{"+14155550100": 8, "+14155550101": 9}', CEKURA_API_KEY: 'k' })!),
    ).toBe('default agent 7, 2 agent numbers mapped; run lookup on');
    expect(describeCekuraConfig(cekuraConfigFromEnv({ CEKURA_PUSH: 'on', CEKURA_RUN_LOOKUP: 'off' })!)).toBe("each call's own agent_id; run lookup off");
  });
});

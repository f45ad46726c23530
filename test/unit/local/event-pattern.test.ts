import { matchesEventPattern, UnsupportedPatternError } from '../../../lib/local/template/event-pattern';
import { s3ObjectCreatedEvent } from '../../../lib/local/services/eventbridge';
import { eventRulesOf } from '../../../lib/local/template/template-wiring';
import { synthMlopsStack } from '../../helpers/app';

const uploadRule = (() => {
  const { stack, template } = synthMlopsStack();
  const bucket = stack.getLogicalId(stack.dataLake.dataBucket.node.defaultChild as never);
  const rules = eventRulesOf(template.toJSON() as never, { region: 'us-east-1', physicalNames: { [bucket]: 'data' } });
  return rules.find((r) => (r.pattern.source as string[]).includes('aws.s3'))!;
})();

const created = (bucket: string, key: string, size: number, eventName = 'ObjectCreated:Put') =>
  s3ObjectCreatedEvent({ eventName, eventTime: '2026-11-26T00:00:00Z', s3: { bucket: { name: bucket }, object: { key, size, eTag: 'e' } } });

describe('EventBridge patterns: the synthesized upload rule', () => {
  test.each([
    ['a CSV under raw/', created('data', 'raw/a.csv', 10), true],
    ['a multipart upload under raw/', created('data', 'raw/big.csv', 10, 'ObjectCreated:Post'), true],
    ['a copy under raw/', created('data', 'raw/copy.csv', 10, 'ObjectCreated:Copy'), true],
    ['a zero-byte "folder"', created('data', 'raw/', 0), false],
    ['a key outside raw/', created('data', 'features/x.json', 10), false],
    ['another bucket', created('other', 'raw/a.csv', 10), false],
  ])('GIVEN %s THEN match = %s', (_, event, expected) => {
    expect(matchesEventPattern(uploadRule.pattern, event)).toBe(expected);
  });
});

describe('EventBridge patterns: operators', () => {
  const event = { source: 'app', detail: { n: 5, tags: ['a', 'b'], name: 'Report.CSV', absent: undefined } };
  test.each([
    [{ source: ['app'] }, true],
    [{ source: ['other'] }, false],
    [{ detail: { n: [{ numeric: ['>', 1, '<=', 5] }] } }, true],
    [{ detail: { n: [{ numeric: ['>', 5] }] } }, false],
    [{ detail: { tags: ['b'] } }, true],
    [{ detail: { name: [{ suffix: '.CSV' }] } }, true],
    [{ detail: { name: [{ 'equals-ignore-case': 'report.csv' }] } }, true],
    [{ detail: { name: [{ wildcard: 'Rep*.CSV' }] } }, true],
    [{ detail: { name: [{ 'anything-but': ['Report.CSV'] }] } }, false],
    [{ detail: { name: [{ 'anything-but': { prefix: 'X' } }] } }, true],
    [{ detail: { missing: [{ exists: false }] } }, true],
    [{ detail: { missing: [{ exists: true }] } }, false],
    [{ detail: { missing: ['x'] } }, false],
  ])('pattern %j → %s', (pattern, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });

  test('GIVEN an operator the local bus does not implement THEN it refuses by name', () => {
    expect(() => matchesEventPattern({ detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, { detail: { ip: '10.0.0.1' } })).toThrow(UnsupportedPatternError);
  });
});

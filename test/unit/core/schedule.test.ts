import { scheduleProblem } from '../../../lambdas/contracts/config/schedule';

/** EventBridge's schedule grammar: what it accepts and what it refuses (AWS docs, "Schedule expressions for rules"). */
describe('EventBridge schedule expressions', () => {
  test.each([
    'rate(1 hour)',
    'rate(15 minutes)',
    'rate(2 days)',
    'cron(0 * * * ? *)',
    'cron(0/15 8-17 ? * MON-FRI *)',
    'cron(0 12 L * ? 2030)',
    'cron(5 4 ? * 6#3 *)',
    'cron(0 0 1W * ? *)',
  ])('GIVEN %s THEN it is accepted', (expression) => expect(scheduleProblem(expression)).toBeUndefined());

  test.each([
    ['cron(0 25 * * ? *)', 'cron hours "25": 25 is outside 0-23'],
    ['rate(0 minutes)', 'a rate must be at least 1'],
    ['rate(1 hours)', 'use the singular unit for 1'],
    ['rate(5 minute)', 'use the plural unit above 1'],
    ['cron(0 12 * * * *)', 'exactly one of day-of-month and day-of-week must be "?"'],
    ['cron(0 12 ? * ? *)', 'exactly one of day-of-month and day-of-week must be "?"'],
    ['cron(0 12 * * ?)', 'a cron expression has 6 fields'],
    ['cron(0 12 ? FOO * *)', 'cron month "FOO": "FOO" is not a value'],
    ['cron(0 12 ? * 1 1969)', 'cron year "1969": 1969 is outside 1970-2199'],
    ['cron(0/0 * * * ? *)', 'step "0" must be a whole number >= 1'],
    ['every hour', 'must be "rate(<n> <unit>)" or "cron(<6 fields>)"'],
  ])('GIVEN %s THEN it is refused: %s', (expression, problem) => expect(scheduleProblem(expression)).toContain(problem));
});

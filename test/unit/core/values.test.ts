import { isMissing, isMissingBytes } from '../../../lambdas/core/features/values';

describe('missing tokens', () => {
  test("GIVEN every text of up to 4 characters from the tokens' letters THEN the byte version agrees with the text version", () => {
    const alphabet = ['N', 'A', '/', 'a', 'n', 'u', 'l', 'U', 'L', 'x'];
    let texts = [''];
    const all = [''];
    for (let length = 1; length <= 4; length++) {
      texts = texts.flatMap((t) => alphabet.map((c) => t + c));
      all.push(...texts);
    }
    const encoder = new TextEncoder();
    const disagreeing = all.filter((text) => {
      const bytes = encoder.encode(`,${text},`);
      return isMissingBytes(bytes, 1, bytes.length - 1) !== isMissing(text);
    });
    expect(disagreeing).toEqual([]);
    expect(all.filter(isMissing).sort()).toEqual(['', 'N/A', 'NA', 'NULL', 'NaN', 'nan', 'null']);
  });
});

import type { ParsedAddress } from '../address/types.ts';
import type { MappedAffiliation } from '../ris/types.ts';

/**
 * The parsed address of a mapped affiliation; an address the mapper could not read (or a mapper
 * that reads none) is an address without organizations, kept raw.
 */
export function addressOf(a: MappedAffiliation): ParsedAddress {
  const parsed = (a as MappedAffiliation & { address?: ParsedAddress }).address;
  return (
    parsed ?? {
      raw: a.name,
      authorNames: [],
      organizations: [],
      street: null,
      city: null,
      region: null,
      postalCode: null,
      country: null,
      emails: [],
    }
  );
}

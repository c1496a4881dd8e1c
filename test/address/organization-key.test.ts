import { describe, expect, it } from 'vitest';
import { organizationKey } from '../../src/address/organization-key.js';

describe('organizationKey', () => {
  it('folds case, accents, a leading "The", punctuation and word order', () => {
    const k = organizationKey('The University of Sydney');
    expect(organizationKey('University of Sydney')).toBe(k);
    expect(organizationKey('Univ Sydney')).toBe(k);
    expect(organizationKey('Sydney University')).toBe(k);
    expect(organizationKey('UNIVERSITY OF SYDNEY.')).toBe(k);
    expect(organizationKey('Université de Montréal')).toBe(organizationKey('Universite de Montreal'));
  });

  it('expands Web of Science abbreviations to the same stems as the full words', () => {
    expect(organizationKey('Univ Texas SW Med Ctr')).toBe(
      organizationKey('University of Texas Southwestern Medical Center'),
    );
    expect(organizationKey('London Sch Hyg & Trop Med')).toBe(
      organizationKey('London School of Hygiene and Tropical Medicine'),
    );
    expect(organizationKey('Natl Inst Hlth')).toBe(organizationKey('National Institute of Health'));
    expect(organizationKey('Dept Psychol')).toBe(organizationKey('Department of Psychology'));
    expect(organizationKey('Seoul Natl Univ Hosp')).toBe(
      organizationKey('Seoul National University Hospital'),
    );
  });

  it('matches common foreign forms of the head words', () => {
    expect(organizationKey('Universität Wien')).toBe(organizationKey('University of Wien'));
    expect(organizationKey('Universidad de Chile')).toBe(organizationKey('University of Chile'));
  });

  it('drops a bracketed acronym', () => {
    expect(organizationKey('Queensland Brain Institute (QBI)')).toBe(
      organizationKey('Queensland Brain Institute'),
    );
  });

  it('keeps bodies that differ in a word apart', () => {
    expect(organizationKey('University of Sydney')).not.toBe(
      organizationKey('University of Technology Sydney'),
    );
    expect(organizationKey('Harvard Medical School')).not.toBe(organizationKey('Harvard University'));
    expect(organizationKey('University Hospital Zurich')).not.toBe(organizationKey('University of Zurich'));
  });

  it('keeps non-Latin names and never returns an empty key for a non-empty name', () => {
    expect(organizationKey('北京大学')).toBe('北京大学');
    expect(organizationKey('Московский университет')).toBe(organizationKey('московский УНИВЕРСИТЕТ'));
    expect(organizationKey('The')).not.toBe('');
  });
});

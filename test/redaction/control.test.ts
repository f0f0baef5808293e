/**
 * The search of the redaction sweep finds a password when one is printed: a control that hides the URL
 * in a non-enumerable property of an error's cause (as `new URL` does with `input`).
 */
import { describe, expect, it } from 'vitest'
import { SECRET, secretForms, sweep, WRONG } from './support.js'

describe('the redaction search', () => {
  it('finds a password hidden in a cause, in each form it is looked for in', async () => {
    const connection = `postgres://app:${encodeURIComponent(SECRET)}@db/x`
    await expect(sweep('control', [{ label: 'control', connection, expect: 'failed' }])).rejects.toThrow(
      /a password appeared in the output/,
    )
  })

  it('looks for the raw, percent-encoded, JSON-escaped forms and each 5+ character run', () => {
    const forms = secretForms(SECRET)
    expect(forms).toContain(SECRET)
    expect(forms).toContain(encodeURIComponent(SECRET))
    expect(forms).toEqual(expect.arrayContaining(['Kx9qT', 'Vb2mR', 'Tr5wQ', 'Wz7pL', 'Hn4sD', 'Lp8cF']))
    expect(secretForms(WRONG)).toEqual(expect.arrayContaining(['734219Zy8Gh', 'Mq3vN']))
  })
})

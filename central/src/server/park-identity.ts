/** The park a request speaks for, decided by its token and nothing else. */
export interface ParkIdentity {
  id: string;
  name: string;
  timezone: string;
  language: 'en' | 'it';
}

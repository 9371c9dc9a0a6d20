import { DISTRICT_CODES, type DistrictCode } from '../../domain/districts.js';
import { forbidden } from '../http-errors.js';
import type { User } from './users.js';

// District isolation in one place: REST routes and Socket.IO both ask these.

/** Districts a user may see. */
export const visibleDistricts = (user: User): readonly DistrictCode[] => (user.district ? [user.district] : DISTRICT_CODES);

export const canSee = (user: User, district: DistrictCode): boolean => !user.district || user.district === district;

/** The district filter to apply: a maintainer is pinned to theirs and may not ask for another. */
export function scopeDistrict(user: User, requested: DistrictCode | undefined): DistrictCode | undefined {
  if (user.district && requested && requested !== user.district) throw forbidden(`district ${requested} is outside your district ${user.district}`);
  return user.district ?? requested;
}

export function assertCanSee(user: User, district: DistrictCode, what: string): void {
  if (!canSee(user, district)) throw forbidden(`${what} belongs to district ${district}, outside your district ${user.district}`);
}

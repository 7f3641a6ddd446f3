import { Module, type DynamicModule } from '@nestjs/common';
import { ObservabilityModule } from '@lgsp/observability';
import {
  ControlTokenGuard,
  DvcqgController,
  SimController,
  XRoadController,
} from './national-sim.controller';
import type { NationalSimConfig } from './national-sim.config';
import { NATIONAL_SIM_CONFIG, NationalSim } from './national-sim.service';
import { XRoadFront } from './national-sim.xroad';

/**
 * The simulator of the national side: the DVCQG sync calls (DvcqgController) and their X-Road REST form
 * (XRoadController), what it received and its faults (SimController), logs, metrics and health from the
 * ObservabilityModule. It holds everything in memory.
 */
@Module({})
export class NationalSimModule {
  static forRoot(config: NationalSimConfig): DynamicModule {
    return {
      module: NationalSimModule,
      imports: [ObservabilityModule.forRoot({ service: 'national-sim', logLevel: config.logLevel })],
      controllers: [DvcqgController, XRoadController, SimController],
      providers: [
        { provide: NATIONAL_SIM_CONFIG, useValue: config },
        NationalSim,
        XRoadFront,
        ControlTokenGuard,
      ],
    };
  }
}
